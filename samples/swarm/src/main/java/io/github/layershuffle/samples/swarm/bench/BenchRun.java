package io.github.layershuffle.samples.swarm.bench;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.onnx.runtime.Manifest;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.samples.swarm.client.Hop;
import io.github.layershuffle.samples.swarm.client.Mismatch;
import io.github.layershuffle.samples.swarm.client.ServerAddress;
import io.github.layershuffle.samples.swarm.client.SwarmClient;
import io.github.layershuffle.samples.swarm.client.SwarmClientBuilder;
import io.github.layershuffle.samples.swarm.client.SwarmException;
import io.github.layershuffle.samples.swarm.client.SwarmResult;
import io.github.layershuffle.samples.swarm.data.LabeledImages;
import io.github.layershuffle.samples.swarm.server.BlockServer;
import io.github.layershuffle.samples.swarm.server.Parts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one export through a swarm of block servers on 127.0.0.1 while a {@link FaultSchedule} kills and
 * restarts them, and measures what came back. Only loopback addresses are used; the work is bounded by the number
 * of images and a time limit, and every request ends within the client's deadline.
 *
 * <p>Server {@code s} of {@code n} hosts the stem, the head, and each block {@code b} with
 * {@code (b - s) mod n < replicas}: every block lives on {@code replicas} consecutive servers.
 */
public final class BenchRun {
    private static final Logger LOG = LoggerFactory.getLogger(BenchRun.class);

    private final Path export;
    private final ModelConfig config;
    private final LabeledImages data;
    private final BenchOptions options;
    private final FaultSchedule schedule;
    private final RuntimeOptions runtime;
    private final BlockServer[] servers;
    private final int[] ports;
    private final Parts[] parts;
    private final Misconduct misconduct;
    private final Consumer<SwarmClientBuilder> clientSetup;
    private final boolean mixedThreads;
    /** How each server lies now (null: honestly), switched at dispatch. */
    private final AtomicReferenceArray<Misbehaviour.Lie> lying;
    private final AtomicInteger liesTold = new AtomicInteger();

    private BenchRun(Path export, LabeledImages data, BenchOptions options, FaultSchedule schedule,
                     Misconduct misconduct, Consumer<SwarmClientBuilder> clientSetup, boolean mixedThreads) {
        this.misconduct = misconduct;
        this.clientSetup = clientSetup;
        this.mixedThreads = mixedThreads;
        this.lying = new AtomicReferenceArray<>(options.servers());
        this.export = export;
        this.config = Manifest.read(export).config();
        this.data = data;
        this.options = options;
        this.schedule = schedule;
        this.runtime = RuntimeOptions.builder().intraOpThreads(options.ortThreads()).interOpThreads(1).build();
        this.servers = new BlockServer[options.servers()];
        this.ports = new int[options.servers()];
        this.parts = new Parts[options.servers()];
        for (int s = 0; s < servers.length; s++) {
            List<Integer> blocks = new ArrayList<>();
            for (int b = 0; b < config.depth(); b++) {
                if (Math.floorMod(b - s, servers.length) < options.replicas()) {
                    blocks.add(b);
                }
            }
            parts[s] = new Parts(true, true, false, blocks);
        }
    }

    /**
     * Runs the bench for one export.
     *
     * @param progress told the number of requests finished so far, from the threads that finish them
     * @throws IllegalArgumentException if the schedule is for another number of servers, or the export's images are
     *                                  not the data's size
     * @throws LayerShuffleException    if the export does not load or a server cannot start
     */
    public static BenchResult run(Path export, LabeledImages data, ExecutionPolicy policy, BenchOptions options,
                                  FaultSchedule schedule, IntConsumer progress) {
        return run(export, data, policy, options, schedule, Misconduct.none(), b -> { }, false, progress);
    }

    /**
     * Runs the bench for one export with slow and lying servers beside the kills.
     *
     * @param misconduct   which servers are slow, and when which one lies
     * @param clientSetup  adds to the client's builder: verification, routing, budget
     * @param mixedThreads odd servers run one ONNX Runtime thread more than even ones (honest disagreement)
     * @param progress     told the number of requests finished so far, from the threads that finish them
     * @throws IllegalArgumentException as {@link #run(Path, LabeledImages, ExecutionPolicy, BenchOptions,
     *                                  FaultSchedule, IntConsumer)}, or if a slow or lying server is not in the swarm
     * @throws LayerShuffleException    if the export does not load or a server cannot start
     */
    public static BenchResult run(Path export, LabeledImages data, ExecutionPolicy policy, BenchOptions options,
                                  FaultSchedule schedule, Misconduct misconduct,
                                  Consumer<SwarmClientBuilder> clientSetup, boolean mixedThreads,
                                  IntConsumer progress) {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(clientSetup, "clientSetup");
        for (int s : misconduct.slow()) {
            if (s >= options.servers()) {
                throw new IllegalArgumentException("slow server " + s + " is not among the " + options.servers());
            }
        }
        for (Misconduct.Spell spell : misconduct.spells()) {
            if (spell.server() >= options.servers()) {
                throw new IllegalArgumentException("lying server " + spell.server() + " is not among the "
                        + options.servers());
            }
        }
        Objects.requireNonNull(progress, "progress");
        if (schedule.servers() != options.servers()) {
            throw new IllegalArgumentException("the fault schedule is for " + schedule.servers()
                    + " servers, the bench starts " + options.servers());
        }
        BenchRun run = new BenchRun(export, data, options, schedule, misconduct, clientSetup, mixedThreads);
        if (run.config.imageSize() != data.rows() || run.config.imageSize() != data.cols()) {
            throw new IllegalArgumentException("export " + export + " takes " + run.config.imageSize() + "x"
                    + run.config.imageSize() + " images, the data set has " + data.rows() + "x" + data.cols());
        }
        return run.execute(policy, progress);
    }

    private BenchResult execute(ExecutionPolicy policy, IntConsumer progress) {
        int requests = Math.min(options.requests(), (data.size() + options.batch() - 1) / options.batch());
        Outcomes outcomes = new Outcomes(requests);
        ExecutorService pool = Executors.newFixedThreadPool(options.concurrency());
        Semaphore inFlight = new Semaphore(options.concurrency());
        int kills = 0;
        int restarts = 0;
        int restartFailures = 0;
        int dispatched = 0;
        long start = System.nanoTime();
        try {
            for (int s = 0; s < servers.length; s++) {
                servers[s] = start(s, 0);
                ports[s] = servers[s].port();
            }
            List<ServerAddress> addresses = Arrays.stream(ports).mapToObj(p -> new ServerAddress("127.0.0.1", p))
                    .toList();
            SwarmClientBuilder builder = SwarmClient.builder().servers(addresses).optModelDir(export)
                    .optFaultMode(options.faultMode()).optDeadline(options.deadline())
                    .optHopTimeout(options.hopTimeout()).optSeed(options.seed());
            clientSetup.accept(builder);
            try (SwarmClient client = builder.connect()) {
                int limit = Math.min(options.images(), data.size());
                for (int w = 0; w < options.warmup(); w++) {
                    int from = (w * options.batch()) % limit;
                    try {
                        classify(client, ExecutionPolicy.sequential(), from, Math.min(limit, from + options.batch()));
                    } catch (RuntimeException e) {
                        throw new LayerShuffleException("warm-up request " + w + " failed with every server up: "
                                + e.getMessage(), e);
                    }
                }
                start = System.nanoTime();
                int next = 0;
                long stopAt = start + options.timeLimit().toNanos();
                for (int r = 0; r < requests; r++) {
                    if (System.nanoTime() > stopAt) {
                        LOG.info("time limit of {} s reached after {} requests", options.timeLimit().toSeconds(), r);
                        break;
                    }
                    while (next < schedule.events().size() && schedule.events().get(next).atRequest() <= r) {
                        FaultSchedule.Event e = schedule.events().get(next++);
                        if (e.action() == FaultSchedule.Action.KILL) {
                            servers[e.server()].close();
                            kills++;
                        } else if (restart(e.server())) {
                            restarts++;
                        } else {
                            restartFailures++;
                        }
                    }
                    for (int s = 0; s < servers.length; s++) {
                        lying.set(s, misconduct.lie(s, r));
                    }
                    int from = r * options.batch();
                    int to = Math.min(limit, from + options.batch());
                    int request = r;
                    inFlight.acquireUninterruptibly();
                    pool.execute(() -> {
                        try {
                            outcomes.record(request, from, to, () -> classify(client, policy, from, to));
                        } finally {
                            inFlight.release();
                            progress.accept(outcomes.finished());
                        }
                    });
                    dispatched++;
                }
                pool.shutdown();
                awaitQuietly(pool, options.deadline().multipliedBy(2).plusSeconds(30));
            }
        } finally {
            pool.shutdownNow();
            for (BlockServer s : servers) {
                if (s != null) {
                    s.close();
                }
            }
        }
        return outcomes.summarise(export.toString(), config.variant().id(), dispatched, requests - dispatched,
                kills, restarts, restartFailures, Duration.ofNanos(System.nanoTime() - start), liesTold.get());
    }

    private SwarmResult classify(SwarmClient client, ExecutionPolicy policy, int from, int to) {
        float[] pixels = data.pixels(from, to, config.channels());
        long[] shape = {to - from, config.channels(), config.imageSize(), config.imageSize()};
        return client.classify(pixels, shape, policy);
    }

    private BlockServer start(int s, int port) {
        RuntimeOptions r = mixedThreads && s % 2 == 1 ? RuntimeOptions.builder()
                .intraOpThreads(Math.max(1, options.ortThreads()) + 1).interOpThreads(1).build() : runtime;
        BlockServer.Builder b = BlockServer.builder().host(export, parts[s]).optAddress("127.0.0.1").optPort(port)
                .optName("server-" + s).optRuntimeOptions(r).optMaxBatch(options.batch());
        if (misconduct.isSlow(s)) {
            b.optInterceptor(Misbehaviour.slow(misconduct.slowMicros(), () -> true));
        }
        for (Misbehaviour.Lie lie : Misbehaviour.Lie.values()) {
            b.optInterceptor(Misbehaviour.lying(lie, parts[s].blocks(), misconduct.seed() * 31 + s,
                    () -> lying.get(s) == lie, liesTold));
        }
        return b.start();
    }

    /** Starts server {@code s} again on its port, retrying briefly while the port is still held. */
    private boolean restart(int s) {
        LayerShuffleException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                servers[s] = start(s, ports[s]);
                return true;
            } catch (LayerShuffleException e) {
                last = e;
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        LOG.warn("server-{} could not restart on port {}: {}", s, ports[s], last == null ? "interrupted"
                : last.getMessage());
        return false;
    }

    private static void awaitQuietly(ExecutorService pool, Duration timeout) {
        try {
            if (!pool.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("requests still running after {} s; stopping them", timeout.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Per-request outcomes, filled in by the worker threads. */
    private final class Outcomes {
        private final double[] latency;
        private final int[] blocks;
        private final String[] failure;
        private final int[] imageCount;
        private final int[] correct;
        private final int[] skipped;
        private final int[] failedHops;
        private final int[] checks;
        private final int[] caught;
        private final int[] flagged;
        private final int[] unverified;
        private final boolean[] budgetStopped;
        private final double[] agreed;
        private final boolean[] done;
        private int finished;

        Outcomes(int requests) {
            latency = new double[requests];
            blocks = new int[requests];
            failure = new String[requests];
            imageCount = new int[requests];
            correct = new int[requests];
            skipped = new int[requests];
            failedHops = new int[requests];
            checks = new int[requests];
            caught = new int[requests];
            flagged = new int[requests];
            unverified = new int[requests];
            budgetStopped = new boolean[requests];
            agreed = new double[requests];
            done = new boolean[requests];
        }

        void record(int r, int from, int to, Supplier<SwarmResult> call) {
            long t0 = System.nanoTime();
            SwarmResult result = null;
            String error = null;
            int hopsFailed = 0;
            List<Hop> hops = List.of();
            List<Mismatch> mismatches = List.of();
            try {
                result = call.get();
                hops = result.hops();
                mismatches = result.mismatches();
            } catch (SwarmException e) {
                error = e.reason().name();
                hops = e.hops();
                mismatches = e.mismatches();
                hopsFailed = (int) e.hops().stream().filter(h -> h.outcome() == Hop.Outcome.FAILED).count();
                LOG.debug("request {} failed: {}; hops {}", r, e.getMessage(), e.hops());
            } catch (RuntimeException e) {
                error = "UNEXPECTED " + e.getClass().getSimpleName();
                LOG.warn("request {} failed unexpectedly", r, e);
            }
            double millis = (System.nanoTime() - t0) / 1e6;
            int lied = (int) hops.stream().filter(h -> h.outcome() == Hop.Outcome.LIED).count();
            int checked = (int) hops.stream().filter(h -> h.outcome() == Hop.Outcome.CHECKED).count() + lied;
            int unresolved = (int) mismatches.stream().filter(m -> !m.resolved()).count();
            int alone = (int) hops.stream().filter(h -> h.outcome() == Hop.Outcome.OK
                    && Hop.UNVERIFIED.equals(h.detail())).count();
            synchronized (this) {
                checks[r] = checked;
                caught[r] = lied;
                flagged[r] = unresolved;
                unverified[r] = alone;
                imageCount[r] = to - from;
                latency[r] = millis;
                if (result != null) {
                    int[] predicted = result.predictedClasses();
                    for (int i = 0; i < predicted.length; i++) {
                        correct[r] += predicted[i] == data.label(from + i) ? 1 : 0;
                    }
                    blocks[r] = result.ran().size();
                    skipped[r] = result.skipped().size();
                    failedHops[r] = result.failedHops();
                    budgetStopped[r] = result.budgetStopped();
                    agreed[r] = result.agreedMaxDifference();
                } else {
                    failure[r] = error;
                    failedHops[r] = hopsFailed;
                }
                done[r] = true;
                finished++;
            }
        }

        synchronized int finished() {
            return finished;
        }

        synchronized BenchResult summarise(String name, String variant, int dispatched, int notDispatched, int kills,
                                           int restarts, int restartFailures, Duration wall, int liesTold) {
            long verificationCalls = 0;
            long liesCaught = 0;
            long liesFlagged = 0;
            long unverifiedHops = 0;
            int budgetStops = 0;
            double agreedMax = 0;
            int answered = 0;
            int failed = 0;
            long images = 0;
            long imagesFailed = 0;
            long right = 0;
            long skippedBlocks = 0;
            long hopsFailed = 0;
            long blockSum = 0;
            int min = Integer.MAX_VALUE;
            int max = 0;
            Map<String, Integer> reasons = new TreeMap<>();
            List<Double> times = new ArrayList<>();
            for (int r = 0; r < dispatched; r++) {
                if (!done[r]) {
                    failed++;
                    imagesFailed += imageCount[r];
                    reasons.merge("NOT_FINISHED", 1, Integer::sum);
                    continue;
                }
                hopsFailed += failedHops[r];
                verificationCalls += checks[r];
                liesCaught += caught[r];
                liesFlagged += flagged[r];
                unverifiedHops += unverified[r];
                budgetStops += budgetStopped[r] ? 1 : 0;
                agreedMax = Math.max(agreedMax, agreed[r]);
                if (failure[r] != null) {
                    failed++;
                    imagesFailed += imageCount[r];
                    reasons.merge(failure[r], 1, Integer::sum);
                } else {
                    answered++;
                    images += imageCount[r];
                    right += correct[r];
                    skippedBlocks += skipped[r];
                    blockSum += blocks[r];
                    min = Math.min(min, blocks[r]);
                    max = Math.max(max, blocks[r]);
                    times.add(latency[r]);
                }
            }
            double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            double[] pct = {percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
                sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1]};
            return new BenchResult(name, variant, dispatched, answered, failed, notDispatched, reasons, images, right,
                    imagesFailed, pct, answered == 0 ? Double.NaN : (double) blockSum / answered,
                    answered == 0 ? 0 : min, max, skippedBlocks, hopsFailed, kills, restarts, restartFailures, wall,
                    liesTold, liesCaught, liesFlagged, verificationCalls, unverifiedHops, budgetStops, agreedMax);
        }
    }

    /** Nearest-rank percentile of sorted values; NaN if there are none. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
