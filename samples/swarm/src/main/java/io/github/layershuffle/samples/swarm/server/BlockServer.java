package io.github.layershuffle.samples.swarm.server;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.samples.swarm.wire.ExportId;
import io.github.layershuffle.samples.swarm.wire.SwarmMethods;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A block server: hosts the stem, some blocks and the head of one or more exports of one family, and runs them
 * for swarm clients over gRPC ({@code layershuffle.swarm.v1.BlockService}), next to the standard gRPC health
 * service ({@code grpc.health.v1.Health}, which Kubernetes probes natively).
 *
 * <pre>{@code
 * try (BlockServer server = BlockServer.builder()
 *         .host(Path.of("exports/fashion-shuffle"), Parts.parse("stem,head,0-5"))
 *         .optPort(50051)
 *         .start()) {
 *     server.awaitTermination();
 * }
 * }</pre>
 *
 * <p>Each hosted export is loaded with {@link LayerShuffleModel#load(Path, RuntimeOptions)}, which verifies its
 * manifest and hashes; requests run single blocks with {@code model.block(i).apply(tokens, slot)}. Every
 * activation that arrives is checked against the export's config before it reaches ONNX Runtime.
 *
 * <p>Thread-safe. {@link #close()} reports NOT_SERVING, stops taking calls, waits briefly for calls in flight and
 * closes the models; it is idempotent.
 */
public final class BlockServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BlockServer.class);

    private final Server server;
    private final HealthStatusManager health;
    private final List<Hosted> hosted;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();

    private BlockServer(Server server, HealthStatusManager health, List<Hosted> hosted, String name) {
        this.server = server;
        this.health = health;
        this.hosted = List.copyOf(hosted);
        this.name = name;
    }

    /** A builder; at least one {@link Builder#host(Path)} call is needed. */
    public static Builder builder() {
        return new Builder();
    }

    /** The port the server listens on (the one picked by the system when it was started with port 0). */
    public int port() {
        return ((InetSocketAddress) server.getListenSockets().get(0)).getPort();
    }

    /** {@code host:port} for clients to dial. */
    public String target() {
        InetSocketAddress a = (InetSocketAddress) server.getListenSockets().get(0);
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** The name the server reports in {@code Describe} and logs. */
    public String name() {
        return name;
    }

    /** One line per hosted export: its id, directory, variant and parts. */
    public List<String> hosted() {
        return hosted.stream().map(Hosted::toString).toList();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed.get();
    }

    /**
     * Blocks until the server is shut down (by {@link #close()} from another thread or a shutdown hook).
     *
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /**
     * Reports NOT_SERVING, refuses new calls, gives calls in flight up to a second, then closes the models
     * (which wait for the ONNX Runtime runs still going). A second call does nothing.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        health.enterTerminalState();
        server.shutdown();
        try {
            if (!server.awaitTermination(1, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(1, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        hosted.forEach(h -> h.model().close());
        LOG.info("block server {} stopped", name);
    }

    @Override
    public String toString() {
        return "BlockServer[" + name + (closed.get() ? ", closed" : "") + ", " + hosted.size() + " exports]";
    }

    /**
     * Configures a {@link BlockServer}: {@code host} for what it serves, {@code opt*} for the rest.
     */
    public static final class Builder {
        private final Map<Path, Parts> exports = new LinkedHashMap<>();
        private String address = "127.0.0.1";
        private int port;
        private String name;
        private RuntimeOptions runtimeOptions = RuntimeOptions.defaults();
        private int maxBatch = 256;
        private int maxMessageBytes = 256 << 20;
        private final List<ServerInterceptor> interceptors = new ArrayList<>();

        private Builder() {
        }

        /** Hosts the stem, the head and every block of the export in {@code exportDir}. */
        public Builder host(Path exportDir) {
            return host(exportDir, Parts.all());
        }

        /**
         * Hosts these parts of the export in {@code exportDir}.
         *
         * @throws IllegalArgumentException if the directory was already given
         */
        public Builder host(Path exportDir, Parts parts) {
            Objects.requireNonNull(exportDir, "exportDir");
            Objects.requireNonNull(parts, "parts");
            Path key = exportDir.toAbsolutePath().normalize();
            if (exports.putIfAbsent(key, parts) != null) {
                throw new IllegalArgumentException("export " + exportDir + " is hosted twice; give its parts once");
            }
            return this;
        }

        /** The address to bind, default {@code 127.0.0.1}; {@code 0.0.0.0} to serve other machines. */
        public Builder optAddress(String address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * The port to listen on; 0 (the default) lets the system pick one, see {@link BlockServer#port()}.
         *
         * @throws IllegalArgumentException if not in {@code [0, 65535]}
         */
        public Builder optPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be in [0, 65535], was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * The name the server reports to clients, which they show in routes; default {@code address:port}, or
         * {@code hostname:port} when the address is {@code 0.0.0.0}.
         */
        public Builder optName(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** How the exports' ONNX Runtime sessions are opened; default {@link RuntimeOptions#defaults()}. */
        public Builder optRuntimeOptions(RuntimeOptions options) {
            this.runtimeOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * The largest batch a request may carry; larger ones are refused with INVALID_ARGUMENT. Default 256.
         *
         * @throws IllegalArgumentException if below 1
         */
        public Builder optMaxBatch(int maxBatch) {
            if (maxBatch < 1) {
                throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /**
         * The largest request the server reads, in bytes; default 256 MiB.
         *
         * @throws IllegalArgumentException if below 1024
         */
        public Builder optMaxMessageBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxMessageBytes must be at least 1024, was " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /** Wraps the block service in an interceptor (authentication, metrics, fault injection in tests). */
        public Builder optInterceptor(ServerInterceptor interceptor) {
            interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
            return this;
        }

        /**
         * Loads every export, checks that they are of one family, and starts listening.
         *
         * @throws IllegalStateException    if no export was given
         * @throws IllegalArgumentException if a part names a block the export does not have, an export is given
         *                                  twice under two paths, or the exports are of different families
         * @throws LayerShuffleException    if an export does not load (naming the file at fault) or the port cannot
         *                                  be bound
         */
        public BlockServer start() {
            if (exports.isEmpty()) {
                throw new IllegalStateException("a block server needs at least one export: call host(exportDir)");
            }
            Map<String, Hosted> byId = new LinkedHashMap<>();
            try {
                for (Map.Entry<Path, Parts> e : exports.entrySet()) {
                    Hosted h = load(e.getKey(), e.getValue());
                    Hosted twin = byId.putIfAbsent(h.id(), h);
                    if (twin != null) {
                        h.model().close();
                        throw new IllegalArgumentException("exports " + twin.dir() + " and " + h.dir()
                                + " are the same export (id " + h.id() + "); host it once");
                    }
                    Hosted first = byId.values().iterator().next();
                    if (!first.model().family().equals(h.model().family())) {
                        throw new IllegalArgumentException("a block server hosts exports of one family: " + first.dir()
                                + " is of family " + first.model().family() + ", " + h.dir() + " of "
                                + h.model().family());
                    }
                }
                HealthStatusManager health = new HealthStatusManager();
                BlockService service = new BlockService(byId, maxBatch);
                Server server = NettyServerBuilder.forAddress(new InetSocketAddress(address, port),
                                InsecureServerCredentials.create())
                        .addService(ServerInterceptors.intercept(service.definition(), interceptors))
                        .addService(health.getHealthService())
                        .maxInboundMessageSize(maxMessageBytes)
                        .build()
                        .start();
                // named after the port actually bound, before the first call can ask
                String actual = name != null ? name : defaultName(server);
                service.name(actual);
                health.setStatus("", ServingStatus.SERVING);
                health.setStatus(SwarmMethods.SERVICE_NAME, ServingStatus.SERVING);
                BlockServer started = new BlockServer(server, health, List.copyOf(byId.values()), actual);
                LOG.info("block server {} serving {}", actual, started.hosted());
                return started;
            } catch (IOException e) {
                byId.values().forEach(h -> h.model().close());
                throw new LayerShuffleException("cannot listen on " + address + ":" + port + ": " + e.getMessage(), e);
            } catch (RuntimeException | Error e) {
                byId.values().forEach(h -> h.model().close());
                throw e;
            }
        }

        /** {@code address:port}, or {@code hostname:port} when bound to every interface (a pod's name in Kubernetes). */
        private String defaultName(Server server) {
            InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
            String host = address;
            if (bound.getAddress().isAnyLocalAddress()) {
                try {
                    host = InetAddress.getLocalHost().getHostName();
                } catch (UnknownHostException e) {
                    LOG.debug("no host name to name the server by; using {}", address, e);
                }
            }
            return host + ":" + bound.getPort();
        }

        private Hosted load(Path dir, Parts parts) {
            String id = ExportId.of(dir);
            LayerShuffleModel model = LayerShuffleModel.load(dir, runtimeOptions);
            try {
                return new Hosted(id, dir, model, new TreeSet<>(parts.resolve(model.size())), parts.stem(),
                        parts.head());
            } catch (RuntimeException e) {
                model.close();
                throw new IllegalArgumentException("export " + dir + ": " + e.getMessage(), e);
            }
        }
    }
}
