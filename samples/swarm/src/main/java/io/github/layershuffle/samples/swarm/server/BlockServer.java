package io.github.layershuffle.samples.swarm.server;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.samples.swarm.wire.ExportId;
import io.github.layershuffle.samples.swarm.wire.SwarmMethods;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.samples.swarm.security.ServerSecurity;
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
 * <p>Security: {@link Builder#optSecurity(ServerSecurity)} sets TLS, mutual TLS and a bearer token; the default is
 * plaintext on 127.0.0.1. The token guards the block service, not the health service (Kubernetes probes carry no
 * token; health says only SERVING or not). Limits: the largest request read derives from the hosted configs and
 * the batch limit (with headroom), not gRPC's 256 MiB default; at most {@link Builder#optMaxConcurrentCalls(int)}
 * block-service calls are held at once, so that many large requests cannot exhaust direct memory; export ids
 * longer than 64 characters are refused. Signed exports: see
 * {@link ExportCheck}.
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
    private final int maxMessageBytes;
    private final int maxConcurrentCalls;

    private BlockServer(Server server, HealthStatusManager health, List<Hosted> hosted, String name,
                        int maxMessageBytes, int maxConcurrentCalls) {
        this.server = server;
        this.maxMessageBytes = maxMessageBytes;
        this.maxConcurrentCalls = maxConcurrentCalls;
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

    /** The largest request the server reads, in bytes (given, or derived from the hosted configs). */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** The most block-service calls the server holds at once. */
    public int maxConcurrentCalls() {
        return maxConcurrentCalls;
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
        private int maxMessageBytes;
        private int maxConcurrentCalls;
        private ServerSecurity security = ServerSecurity.plaintext();
        private ExportCheck exportCheck = dir -> { };
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
         * The largest request the server reads, in bytes; by default the largest stem or block request of a full
         * batch ({@link #optMaxBatch(int)}) of any hosted export, plus 1/16 and 64 KiB of headroom.
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

        /**
         * The most block-service calls held at once over all connections; more are refused with
         * RESOURCE_EXHAUSTED before their message is read. By default as many requests of the largest size as fit
         * in a quarter of the JVM's maximum memory (the default cap of direct memory), between 2 and 64.
         *
         * @throws IllegalArgumentException if below 1
         */
        public Builder optMaxConcurrentCalls(int calls) {
            if (calls < 1) {
                throw new IllegalArgumentException("maxConcurrentCalls must be at least 1, was " + calls);
            }
            this.maxConcurrentCalls = calls;
            return this;
        }

        /** TLS, mutual TLS and the bearer token; default {@link ServerSecurity#plaintext()}. */
        public Builder optSecurity(ServerSecurity security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /**
         * A check run on each export directory before it is loaded; one that throws keeps the server from starting.
         * The hook for signed exports, see {@link ExportCheck}. Default: none.
         */
        public Builder optExportCheck(ExportCheck check) {
            this.exportCheck = Objects.requireNonNull(check, "check");
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
         * @throws LayerShuffleException    if an export does not load or fails the {@link ExportCheck} (naming the
         *                                  file at fault), a TLS file cannot be used, or the port cannot be bound
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
                int maxBytes = maxMessageBytes > 0 ? maxMessageBytes : derivedMaxMessageBytes(byId.values());
                int maxCalls = maxConcurrentCalls > 0 ? maxConcurrentCalls : derivedMaxCalls(maxBytes);
                // the last interceptor runs first: the token, then the cap on calls held, then the caller's
                List<ServerInterceptor> chain = new ArrayList<>(interceptors);
                chain.add(new CallLimiter(maxCalls));
                security.token().ifPresent(t -> chain.add(t.serverInterceptor()));
                NettyServerBuilder nb;
                try {
                    nb = NettyServerBuilder.forAddress(new InetSocketAddress(address, port), security.credentials());
                } catch (IllegalArgumentException e) {
                    // netty parses the PEM files here
                    throw new LayerShuffleException("cannot use " + security + ": " + e.getMessage(), e);
                }
                Server server = nb
                        .addService(ServerInterceptors.intercept(service.definition(), chain))
                        .addService(health.getHealthService())
                        .maxInboundMessageSize(maxBytes)
                        .maxInboundMetadataSize(16 << 10)
                        .build()
                        .start();
                // named after the port actually bound, before the first call can ask
                String actual = name != null ? name : defaultName(server);
                service.name(actual);
                health.setStatus("", ServingStatus.SERVING);
                health.setStatus(SwarmMethods.SERVICE_NAME, ServingStatus.SERVING);
                BlockServer started = new BlockServer(server, health, List.copyOf(byId.values()), actual,
                        maxBytes, maxCalls);
                LOG.info("block server {} ({}, requests up to {} bytes, {} calls at once) serving {}", actual,
                        security, maxBytes, maxCalls, started.hosted());
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

        /** The largest stem or block request of a full batch, plus 1/16 and 64 KiB (ids, shapes, framing). */
        private int derivedMaxMessageBytes(Iterable<Hosted> exports) {
            long largest = 0;
            for (Hosted h : exports) {
                ModelConfig c = h.config();
                long pixels = (long) c.channels() * c.imageSize() * c.imageSize();
                long tokens = (long) c.tokenCount() * c.width();
                largest = Math.max(largest, 4L * maxBatch * Math.max(pixels, tokens));
            }
            long bytes = largest + largest / 16 + (64 << 10);
            if (bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a batch of " + maxBatch + " needs requests of " + bytes
                        + " bytes, more than gRPC can take (" + Integer.MAX_VALUE + "); lower optMaxBatch");
            }
            return (int) bytes;
        }

        /** Requests of the largest size that fit in a quarter of the JVM's maximum memory, in [2, 64]. */
        private static int derivedMaxCalls(int maxBytes) {
            long budget = Runtime.getRuntime().maxMemory() / 4;
            return (int) Math.max(2, Math.min(64, budget / maxBytes));
        }

        private Hosted load(Path dir, Parts parts) {
            exportCheck.check(dir);
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
