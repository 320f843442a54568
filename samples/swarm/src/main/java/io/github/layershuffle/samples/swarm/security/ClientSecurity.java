package io.github.layershuffle.samples.swarm.security;

import io.github.layershuffle.api.LayerShuffleException;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How a swarm client talks to block servers: TLS that trusts the CA in a PEM file (the server's certificate must
 * name the address dialled, e.g. {@code IP:127.0.0.1} or {@code DNS:swarm-0.swarm} in its subject alternative
 * names), optionally with a client certificate for mutual TLS and a bearer token; or plaintext, which only an
 * explicit {@link #plaintext()} gives.
 *
 * <pre>{@code
 * ClientSecurity s = ClientSecurity.tls(Path.of("ca.pem"))
 *         .withClientCertificate(Path.of("client.pem"), Path.of("client.key"));
 * }</pre>
 *
 * <p>Immutable; the {@code with*} methods return new instances.
 */
public final class ClientSecurity {
    private final Path trustedCa;
    private final Path certChain;
    private final Path privateKey;
    private final BearerToken token;
    private final String serverName;

    private ClientSecurity(Path trustedCa, Path certChain, Path privateKey, BearerToken token, String serverName) {
        this.serverName = serverName;
        this.trustedCa = trustedCa;
        this.certChain = certChain;
        this.privateKey = privateKey;
        this.token = token;
    }

    /** No TLS. For loopback and tests. */
    public static ClientSecurity plaintext() {
        return new ClientSecurity(null, null, null, null, null);
    }

    /**
     * TLS trusting the CA certificates in {@code trustedCa} (PEM).
     *
     * @throws LayerShuffleException if the file is not readable, naming it
     */
    public static ClientSecurity tls(Path trustedCa) {
        return new ClientSecurity(ServerSecurity.readable(trustedCa, "TLS CA"), null, null, null, null);
    }

    /**
     * Presents this certificate chain and PKCS#8 key (PEM) to servers that require client certificates.
     *
     * @throws IllegalStateException if this is {@link #plaintext()}
     * @throws LayerShuffleException if a file is not readable, naming it
     */
    public ClientSecurity withClientCertificate(Path certChain, Path privateKey) {
        if (isPlaintext()) {
            throw new IllegalStateException("a client certificate needs TLS: give the CA to trust first "
                    + "(ClientSecurity.tls, --tls-ca)");
        }
        return new ClientSecurity(trustedCa, ServerSecurity.readable(certChain, "TLS client certificate"),
                ServerSecurity.readable(privateKey, "TLS client key"), token, serverName);
    }

    /** Sends {@code authorization: Bearer <token>} with every call. */
    public ClientSecurity withBearerToken(BearerToken token) {
        return new ClientSecurity(trustedCa, certChain, privateKey, Objects.requireNonNull(token, "token"),
                serverName);
    }

    /**
     * Checks every server's certificate against this name instead of the address dialled: for clients that dial
     * pod IPs behind a headless Service, e.g. {@code swarm-blocks.default.svc}.
     *
     * @throws IllegalStateException    if this is {@link #plaintext()}
     * @throws IllegalArgumentException if the name is blank
     */
    public ClientSecurity withServerName(String name) {
        if (isPlaintext()) {
            throw new IllegalStateException("a TLS server name needs TLS: give the CA to trust first (--tls-ca)");
        }
        if (Objects.requireNonNull(name, "name").isBlank()) {
            throw new IllegalArgumentException("the TLS server name is blank");
        }
        return new ClientSecurity(trustedCa, certChain, privateKey, token, name.strip());
    }

    /** The name server certificates are checked against, if not the address dialled. */
    public Optional<String> serverName() {
        return Optional.ofNullable(serverName);
    }

    /** Whether the channels speak plaintext. */
    public boolean isPlaintext() {
        return trustedCa == null;
    }

    /** The token sent with every call, if any. */
    public Optional<BearerToken> token() {
        return Optional.ofNullable(token);
    }

    /**
     * The gRPC credentials of this setting.
     *
     * @throws LayerShuffleException if a PEM file cannot be read or parsed, naming it
     */
    public ChannelCredentials credentials() {
        if (isPlaintext()) {
            return InsecureChannelCredentials.create();
        }
        TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
        try {
            b.trustManager(trustedCa.toFile());
        } catch (IOException | RuntimeException e) {
            throw new LayerShuffleException("cannot use TLS CA " + trustedCa + " (PEM): " + e.getMessage(), e);
        }
        if (certChain != null) {
            try {
                b.keyManager(certChain.toFile(), privateKey.toFile());
            } catch (IOException | RuntimeException e) {
                throw new LayerShuffleException("cannot use TLS client certificate " + certChain + " with key "
                        + privateKey + " (PEM, the key in PKCS#8): " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    /** e.g. {@code mTLS (ca.pem) + token}, {@code plaintext}. */
    @Override
    public String toString() {
        String s = isPlaintext() ? "plaintext" : (certChain != null ? "mTLS" : "TLS") + " (trusting " + trustedCa
                + (certChain != null ? ", certificate " + certChain + ", key " + privateKey : "") + ")";
        return token != null ? s + " + token" : s;
    }
}
