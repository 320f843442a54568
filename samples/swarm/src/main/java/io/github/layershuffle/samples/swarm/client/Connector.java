package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.samples.swarm.security.ClientSecurity;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Opens a channel to every server, asks each what it hosts, and picks the model ({@link SwarmClientBuilder}). */
final class Connector {

    /** The servers, the export id chosen, and its config. */
    record Connected(List<Peer> peers, String model, ModelConfig config) {
    }

    private Connector() {
    }

    /**
     * Connects.
     *
     * @param model the export id asked for, or {@code null} for the one the servers host
     * @throws LayerShuffleException as {@link SwarmClientBuilder#connect()}; every channel is closed then
     */
    static Connected connect(List<ServerAddress> servers, String model, ClientSecurity sec, int maxBytes,
                             Duration connectTimeout, Duration banInitial, Duration banMax,
                             List<ClientInterceptor> interceptors) {
        List<Peer> peers = new ArrayList<>();
        ChannelCredentials credentials = sec.credentials();
        Function<ServerAddress, ManagedChannel> channels = a -> {
            ManagedChannelBuilder<?> b = Grpc.newChannelBuilderForAddress(a.host(), a.port(), credentials)
                    .maxInboundMessageSize(maxBytes);
            sec.token().ifPresent(t -> b.intercept(t.clientInterceptor()));
            sec.serverName().ifPresent(b::overrideAuthority);
            // intercept(...) runs the interceptors added last first: add them in reverse to run them in order
            for (int i = interceptors.size() - 1; i >= 0; i--) {
                b.intercept(interceptors.get(i));
            }
            return b.build();
        };
        try {
            for (ServerAddress a : servers) {
                peers.add(new Peer(a, channels));
            }
        } catch (IllegalArgumentException e) {
            // netty parses the PEM files when the first channel is built
            peers.forEach(Peer::close);
            throw new LayerShuffleException("cannot use " + sec + ": " + e.getMessage(), e);
        }
        try {
            List<String> problems = new ArrayList<>();
            for (Peer p : peers) {
                try {
                    p.describe(connectTimeout);
                } catch (StatusRuntimeException | IllegalArgumentException e) {
                    problems.add(p.address() + ": " + e.getMessage());
                    p.ban("describe: " + e.getMessage(), banInitial, banMax, System.nanoTime());
                }
            }
            Map<String, Peer.Hosting> known = new LinkedHashMap<>();
            for (Peer p : peers) {
                if (p.exports() != null) {
                    p.exports().values().forEach(h -> known.putIfAbsent(h.exportId(), h));
                }
            }
            if (known.isEmpty()) {
                throw new LayerShuffleException("no server answered or hosts anything: " + problems);
            }
            String chosen = model;
            if (chosen == null) {
                if (known.size() > 1) {
                    throw new LayerShuffleException("the servers host " + known.size() + " exports " + known.keySet()
                            + "; choose one with optModel(id) or optModelDir(dir)");
                }
                chosen = known.keySet().iterator().next();
            } else if (!known.containsKey(chosen)) {
                throw new LayerShuffleException("no server that answered hosts export " + chosen + "; they host "
                        + known.keySet() + (problems.isEmpty() ? "" : "; no answer from " + problems));
            }
            ModelConfig config = known.get(chosen).config();
            for (Peer p : peers) {
                Peer.Hosting h = p.exports() == null ? null : p.exports().get(chosen);
                if (h != null && !h.config().equals(config)) {
                    throw new LayerShuffleException("server " + p.name() + " describes export " + chosen
                            + " with another config than the first server did");
                }
            }
            return new Connected(peers, chosen, config);
        } catch (RuntimeException e) {
            peers.forEach(Peer::close);
            throw e;
        }
    }
}
