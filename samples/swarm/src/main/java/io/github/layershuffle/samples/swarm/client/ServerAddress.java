package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * Where a block server listens: {@code host:port}, with IPv6 hosts in brackets ({@code [::1]:50051}).
 *
 * @param host a host name or IP address, without brackets
 * @param port the port, in {@code [1, 65535]}
 */
public record ServerAddress(String host, int port) {

    /**
     * Checks.
     *
     * @throws IllegalArgumentException if the host is blank or the port out of range
     */
    public ServerAddress {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("server host is blank");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("server port must be in [1, 65535], was " + port + " for " + host);
        }
    }

    /**
     * Parses {@code host:port} or {@code [ipv6]:port}.
     *
     * @throws IllegalArgumentException naming the text if it has no port, or the port is not a number in range
     */
    public static ServerAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip();
        int colon = t.lastIndexOf(':');
        if (colon <= 0 || colon == t.length() - 1) {
            throw new IllegalArgumentException("server address '" + text + "' is not host:port");
        }
        String host = t.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("server address '" + text + "': write an IPv6 host in brackets, "
                    + "[::1]:50051");
        }
        try {
            return new ServerAddress(host, Integer.parseInt(t.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("server address '" + text + "': port '" + t.substring(colon + 1)
                    + "' is not a number", e);
        }
    }

    /**
     * Parses a comma- or whitespace-separated list of addresses.
     *
     * @throws IllegalArgumentException as {@link #parse(String)}, or if the list is empty
     */
    public static List<ServerAddress> parseList(String text) {
        List<ServerAddress> list = new ArrayList<>();
        for (String token : text.split("[,\\s]+")) {
            if (!token.isBlank()) {
                list.add(parse(token));
            }
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("the server list '" + text + "' names no server");
        }
        return list;
    }

    /**
     * Reads a file with one address per line; blank lines and text after {@code #} are ignored.
     *
     * @throws LayerShuffleException    if the file cannot be read
     * @throws IllegalArgumentException naming the file and line of an address that does not parse, or if the file
     *                                  names no server
     */
    public static List<ServerAddress> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read the server list " + file + ": " + e.getMessage(), e);
        }
        List<ServerAddress> list = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String body = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (body.isEmpty()) {
                continue;
            }
            try {
                list.add(parse(body));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("the server list " + file + " names no server");
        }
        return list;
    }

    /**
     * Every address a host name stands for, one per IP address: a Kubernetes headless Service name resolves to
     * the address of each ready pod behind it.
     *
     * @throws LayerShuffleException naming the host that does not resolve
     */
    public static List<ServerAddress> resolveAll(List<ServerAddress> addresses) {
        LinkedHashSet<ServerAddress> all = new LinkedHashSet<>();
        for (ServerAddress a : addresses) {
            try {
                for (InetAddress ip : InetAddress.getAllByName(a.host())) {
                    all.add(new ServerAddress(ip.getHostAddress(), a.port()));
                }
            } catch (UnknownHostException e) {
                throw new LayerShuffleException("cannot resolve server host " + a.host() + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(all);
    }

    /** {@code host:port}, which {@link #parse(String)} reads back. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
