package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import io.github.layershuffle.samples.swarm.wire.Activations;
import io.github.layershuffle.samples.swarm.wire.ExportId;
import io.github.layershuffle.samples.swarm.security.ClientSecurity;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Runs a model whose stem, blocks and head live on block servers that come and go: for each request it asks an
 * {@link ExecutionPolicy} for a plan over the model's blocks, then sends the activations stem → blocks → head,
 * each hop to a server that hosts the part and is not banned, and reports which blocks ran on which server.
 *
 * <pre>{@code
 * try (SwarmClient client = SwarmClient.builder()
 *         .servers(ServerAddress.parseList("10.0.0.5:50051,10.0.0.6:50051"))
 *         .optFaultMode(FaultMode.SUBSTITUTE_OR_SKIP)
 *         .optDeadline(Duration.ofSeconds(2))
 *         .connect()) {
 *     SwarmResult r = client.classify(pixels, new long[] {1, 1, 28, 28}, ExecutionPolicy.random());
 *     System.out.println(r.predictedLabels() + " via " + r.route());
 * }
 * }</pre>
 *
 * <p>When a hop times out, fails or returns a tensor of the wrong shape or size, the server is banned for a while
 * (the ban doubles with each failure in a row; when it runs out the server is probed with the gRPC health service
 * first), and the {@link FaultMode} decides what happens to the block: another server's copy runs it, it is left
 * out (the next block runs in its slot), or the request fails. Every request ends within its deadline, with a
 * {@link SwarmResult} or a {@link SwarmException} that names the reason and carries the hops tried.
 *
 * <p>{@link Builder#optSecurity(ClientSecurity)} sets TLS, a client certificate and a bearer token (default
 * plaintext). {@link Builder#optVerify(Verify)} checks servers against each other and bans liars;
 * {@link Builder#optRouting(Routing)} picks blocks and servers by expected latency; {@link Builder#optBudget(Duration)}
 * runs blocks only while the next one is expected to fit (anytime inference).
 *
 * <p>Thread-safe: any number of threads may call {@code classify} at once. {@link #close()} is idempotent.
 */
public final class SwarmClient implements AutoCloseable {
    /**
     * The default {@link Builder#optVerifyTolerance(double) verify tolerance}, 1e-3 relative. Measured (docs/SWARM.md):
     * honest servers on one machine returned identical outputs (largest difference 0 over 1,000 images, four
     * replicas, one and two ONNX Runtime threads); the bench's lies differed by 0.017 to 0.35. Servers on other CPUs
     * or ONNX Runtime builds were not measured: if honest ones disagree, {@link SwarmResult#agreedMaxDifference()}
     * shows by how much, and the tolerance can be raised.
     */
    public static final double DEFAULT_TOLERANCE = 1e-3;
    private final List<Peer> peers;
    private final Router router;
    private final String model;
    private final ModelConfig config;
    private final List<String> labels;
    private final ClientSettings settings;
    private final long seed;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicBoolean closed = new AtomicBoolean();

    private SwarmClient(List<Peer> peers, String model, ModelConfig config, ClientSettings settings, long seed) {
        this.peers = List.copyOf(peers);
        this.model = model;
        this.config = config;
        this.labels = IntStream.range(0, config.classes()).mapToObj(config::label).toList();
        this.settings = settings;
        this.seed = seed;
        this.router = new Router(this.peers, model, config, settings);
    }

    /** A builder; {@link Builder#servers(List)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The export id of the model this client runs. */
    public String model() {
        return model;
    }

    /** The model's config, as the servers describe it. */
    public ModelConfig config() {
        return config;
    }

    /** The class names, one per class. */
    public List<String> labels() {
        return labels;
    }

    /** The fault mode requests run under. */
    public FaultMode faultMode() {
        return settings.faultMode();
    }

    /**
     * Classifies a batch of images {@code [batch, C, H, W]} (row-major, values in [0, 1]) with the blocks of the
     * plan that {@code policy} draws for this request.
     *
     * @throws IllegalArgumentException if the shape is not {@code [batch >= 1, C, H, W]} of the model, the buffer
     *                                  holds another number of values, or as {@link ExecutionPolicy#plan(int)}
     * @throws SwarmException           if the request cannot be completed: deadline, no server, a failed hop under
     *                                  {@link FaultMode#FAIL}, or too few blocks ran
     * @throws IllegalStateException    if the client is closed
     */
    public SwarmResult classify(float[] pixels, long[] shape, ExecutionPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return classify(pixels, shape, policy.plan(config.depth()));
    }

    /**
     * Classifies a batch of images with the blocks of {@code plan}.
     *
     * @throws IllegalArgumentException as {@link #classify(float[], long[], ExecutionPolicy)}, or if the plan was
     *                                  made for another number of blocks
     * @throws SwarmException           as {@link #classify(float[], long[], ExecutionPolicy)}
     * @throws IllegalStateException    if the client is closed
     */
    public SwarmResult classify(float[] pixels, long[] shape, ExecutionPlan plan) {
        if (closed.get()) {
            throw new IllegalStateException("SwarmClient is closed");
        }
        Objects.requireNonNull(plan, "plan");
        if (plan.blockCount() != config.depth()) {
            throw new IllegalArgumentException("plan " + plan + " was made for " + plan.blockCount()
                    + " blocks, model " + model + " has " + config.depth());
        }
        long[] want = {Objects.requireNonNull(shape, "shape").length > 0 ? shape[0] : -1, config.channels(),
                config.imageSize(), config.imageSize()};
        if (shape.length != 4 || shape[0] < 1 || !Arrays.equals(shape, want)) {
            throw new IllegalArgumentException("pixels must be [batch >= 1, " + config.channels() + ", "
                    + config.imageSize() + ", " + config.imageSize() + "] for model " + model + ", was "
                    + Arrays.toString(shape));
        }
        Tensor input = Activations.encode(FloatBuffer.wrap(pixels), shape);
        long n = calls.getAndIncrement();
        SplittableRandom rng = new SplittableRandom(seed ^ (n * 0x9E3779B97F4A7C15L));
        return new Call(router, labels, settings, plan, (int) shape[0], rng).run(input);
    }

    /** Every server, as this client sees it now: what it hosts, whether it is banned and why. */
    public List<ServerStatus> servers() {
        long now = System.nanoTime();
        return peers.stream().map(p -> p.status(now)).toList();
    }

    /** The gRPC health status of every server ({@code SERVING}, or the status code of the failed check). */
    public Map<String, String> health(Duration timeout) {
        Map<String, String> map = new LinkedHashMap<>();
        peers.forEach(p -> map.put(p.address().toString(), p.health(timeout)));
        return map;
    }

    /** Closes every channel; a second call does nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            peers.forEach(Peer::close);
        }
    }

    /**
     * Configures a {@link SwarmClient}: {@code servers} is required, every {@code opt*} has a default.
     */
    public static final class Builder {
        private List<ServerAddress> servers;
        private String model;
        private FaultMode faultMode = FaultMode.SUBSTITUTE_OR_SKIP;
        private Duration deadline = Duration.ofSeconds(5);
        private Duration hopTimeout = Duration.ofSeconds(1);
        private int maxAttempts = 4;
        private Duration backoffInitial = Duration.ofMillis(20);
        private Duration backoffMax = Duration.ofMillis(500);
        private Duration banInitial = Duration.ofMillis(500);
        private Duration banMax = Duration.ofSeconds(15);
        private int minBlocks = 1;
        private long seed = System.nanoTime();
        private int maxMessageBytes = 256 << 20;
        private Duration connectTimeout = Duration.ofSeconds(2);
        private ClientSecurity security = ClientSecurity.plaintext();
        private Verify verify = Verify.none();
        private double tolerance = DEFAULT_TOLERANCE;
        private Routing routing = Routing.PLAN;
        private Duration budget;
        private Duration liarBan = Duration.ofHours(1);

        private Builder() {
        }

        /**
         * The servers to use; those down now are asked again once their ban runs out.
         *
         * @throws IllegalArgumentException if the list is empty
         */
        public Builder servers(List<ServerAddress> servers) {
            if (servers.isEmpty()) {
                throw new IllegalArgumentException("a swarm client needs at least one server");
            }
            this.servers = List.copyOf(servers);
            return this;
        }

        /** The export id of the model to run; by default the one export the servers host. */
        public Builder optModel(String exportId) {
            this.model = Objects.requireNonNull(exportId, "exportId");
            return this;
        }

        /**
         * Runs the export in this directory (its id is computed from its manifest; the servers load their own copy).
         *
         * @throws LayerShuffleException if the directory's manifest cannot be read
         */
        public Builder optModelDir(Path exportDir) {
            this.model = ExportId.of(exportDir);
            return this;
        }

        /** What to do when a block's server fails; default {@link FaultMode#SUBSTITUTE_OR_SKIP}. */
        public Builder optFaultMode(FaultMode mode) {
            this.faultMode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /** The time one request may take from plan to logits; default 5 s. */
        public Builder optDeadline(Duration deadline) {
            this.deadline = positive(deadline, "deadline");
            return this;
        }

        /** The time one call to one server may take (capped by what is left of the deadline); default 1 s. */
        public Builder optHopTimeout(Duration timeout) {
            this.hopTimeout = positive(timeout, "hopTimeout");
            return this;
        }

        /**
         * Calls per part before it is given up (skipped or failed, by the fault mode); also the number of backoff
         * waits when no server is up. Default 4.
         *
         * @throws IllegalArgumentException if below 1
         */
        public Builder optMaxAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, was " + attempts);
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** The wait before the first retry when no server is up, doubling up to {@code max}; default 20 ms, 500 ms. */
        public Builder optBackoff(Duration initial, Duration max) {
            this.backoffInitial = positive(initial, "backoff initial");
            this.backoffMax = atLeast(max, initial, "backoff max");
            return this;
        }

        /** How long a failed server is left out, doubling per failure in a row up to {@code max}; default 0.5 s, 15 s. */
        public Builder optBan(Duration initial, Duration max) {
            this.banInitial = positive(initial, "ban initial");
            this.banMax = atLeast(max, initial, "ban max");
            return this;
        }

        /**
         * The fewest blocks that must run for a request to count; fewer fail it with
         * {@link SwarmException.Reason#TOO_FEW_BLOCKS}. Default 1.
         *
         * @throws IllegalArgumentException if below 1
         */
        public Builder optMinBlocks(int blocks) {
            if (blocks < 1) {
                throw new IllegalArgumentException("minBlocks must be at least 1, was " + blocks);
            }
            this.minBlocks = blocks;
            return this;
        }

        /** Seeds the choice among servers that host a part (and backoff jitter). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** How long {@link #connect()} waits for each server's {@code Describe}; default 2 s. */
        public Builder optConnectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** TLS, a client certificate and a bearer token; default {@link ClientSecurity#plaintext()}. */
        public Builder optSecurity(ClientSecurity security) {
            this.security = Objects.requireNonNull(security, "security");
            return this;
        }

        /** How outputs are checked against other servers; default {@link Verify#none()}. */
        public Builder optVerify(Verify verify) {
            this.verify = Objects.requireNonNull(verify, "verify");
            return this;
        }

        /**
         * The relative tolerance within which two servers' outputs agree: {@code max |a - b| <= tolerance *
         * max(1, max |a|)}. Default {@value #DEFAULT_TOLERANCE}, see {@link #DEFAULT_TOLERANCE}.
         *
         * @throws IllegalArgumentException if not in (0, 1)
         */
        public Builder optVerifyTolerance(double tolerance) {
            if (!(tolerance > 0 && tolerance < 1)) {
                throw new IllegalArgumentException("verify tolerance must be in (0, 1), was " + tolerance);
            }
            this.tolerance = tolerance;
            return this;
        }

        /**
         * How long a server outvoted by a majority ({@link Verify}) gets no traffic, not even a health probe; default
         * an hour. It is probed like any banned server afterwards, and caught again if it still lies.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder optLiarBan(Duration ban) {
            this.liarBan = positive(ban, "liarBan");
            return this;
        }

        /** How blocks are ordered and servers chosen; default {@link Routing#PLAN}. */
        public Builder optRouting(Routing routing) {
            this.routing = Objects.requireNonNull(routing, "routing");
            return this;
        }

        /**
         * Anytime inference: a block runs only while it and then the head are expected (by the servers' smoothed
         * latencies) to be done within {@code budget} of the request's start; then the head runs. At least
         * {@link #optMinBlocks(int)} blocks run regardless. Default: none, every planned block runs.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder optBudget(Duration budget) {
            this.budget = positive(budget, "budget");
            return this;
        }

        /** The largest response read, in bytes; default 256 MiB. */
        public Builder optMaxMessageBytes(int bytes) {
            if (bytes < 1024) {
                throw new IllegalArgumentException("maxMessageBytes must be at least 1024, was " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /**
         * Opens a channel to every server, asks each what it hosts, and picks the model.
         *
         * @throws IllegalStateException if no servers were given
         * @throws LayerShuffleException if no server answers, none hosts the model asked for (listing what they
         *                               host), no model was asked for and the servers host several, or servers
         *                               disagree about the model's config
         */
        public SwarmClient connect() {
            if (servers == null) {
                throw new IllegalStateException("call servers(...) before connect()");
            }
            ClientSettings settings = new ClientSettings(faultMode, deadline, hopTimeout, maxAttempts, backoffInitial,
                    backoffMax, banInitial, banMax, minBlocks, verify, tolerance, routing, budget,
                    liarBan);
            List<Peer> peers = new ArrayList<>();
            int maxBytes = maxMessageBytes;
            ClientSecurity sec = security;
            io.grpc.ChannelCredentials credentials = sec.credentials();
            Function<ServerAddress, ManagedChannel> channels = a -> {
                ManagedChannelBuilder<?> b = Grpc.newChannelBuilderForAddress(a.host(), a.port(), credentials)
                        .maxInboundMessageSize(maxBytes);
                sec.token().ifPresent(t -> b.intercept(t.clientInterceptor()));
                sec.serverName().ifPresent(b::overrideAuthority);
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
                SwarmClient client = new SwarmClient(peers, chosen, config, settings, seed);
                client.router.logCoverage();
                return client;
            } catch (RuntimeException e) {
                peers.forEach(Peer::close);
                throw e;
            }
        }

        private static Duration positive(Duration d, String what) {
            if (Objects.requireNonNull(d, what).isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }

        private static Duration atLeast(Duration d, Duration min, String what) {
            if (Objects.requireNonNull(d, what).compareTo(min) < 0) {
                throw new IllegalArgumentException(what + " (" + d + ") must be at least the initial value (" + min
                        + ")");
            }
            return d;
        }
    }

    @Override
    public String toString() {
        return "SwarmClient[model=" + model + ", " + peers.size() + " servers, " + settings.faultMode() + ", verify "
                + settings.verify() + ", " + settings.routing()
                + (closed.get() ? ", closed" : "") + "]";
    }
}
