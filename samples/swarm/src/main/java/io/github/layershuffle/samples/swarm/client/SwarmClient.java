package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import io.github.layershuffle.samples.swarm.wire.Activations;
import io.github.layershuffle.samples.swarm.security.ClientSecurity;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
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
 * <p>{@link SwarmClientBuilder#optSecurity(ClientSecurity)} sets TLS, a client certificate and a bearer token (default
 * plaintext). {@link SwarmClientBuilder#optVerify(Verify)} checks servers against each other and bans liars;
 * {@link SwarmClientBuilder#optRouting(Routing)} picks blocks and servers by expected latency;
 * {@link SwarmClientBuilder#optBudget(Duration)} runs blocks only while the next one is expected to fit (anytime
 * inference); {@link SwarmClientBuilder#optLocalExport} checks servers against the client's own copy of the export.
 *
 * <p>Thread-safe: any number of threads may call {@code classify} at once. {@link #close()} is idempotent.
 */
public final class SwarmClient implements AutoCloseable {
    /**
     * The default {@link SwarmClientBuilder#optVerifyTolerance(double) verify tolerance}, 1e-3 relative. Measured
     * (docs/SWARM.md):
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
    /** The export the client holds itself, for in-process verification; null if none. */
    private final LocalExport local;

    SwarmClient(List<Peer> peers, String model, ModelConfig config, ClientSettings settings, long seed,
                        LocalExport local) {
        this.local = local;
        this.peers = List.copyOf(peers);
        this.model = model;
        this.config = config;
        this.labels = IntStream.range(0, config.classes()).mapToObj(config::label).toList();
        this.settings = settings;
        this.seed = seed;
        this.router = new Router(this.peers, model, config, settings);
    }

    /** A builder; {@link SwarmClientBuilder#servers(List)} is required. */
    public static SwarmClientBuilder builder() {
        return new SwarmClientBuilder();
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
        return new Call(router, labels, settings, local, plan, (int) shape[0], rng).run(input);
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

    void logCoverage() {
        router.logCoverage();
    }

    /** Closes every channel; a second call does nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            peers.forEach(Peer::close);
            if (local != null) {
                local.close();
            }
        }
    }

    @Override
    public String toString() {
        return "SwarmClient[model=" + model + ", " + peers.size() + " servers, " + settings.faultMode() + ", verify "
                + settings.verify() + (local == null ? "" : " with " + local) + ", " + settings.routing()
                + (closed.get() ? ", closed" : "") + "]";
    }
}
