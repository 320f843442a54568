package io.github.layershuffle.samples.swarm.bench;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.onnx.runtime.Manifest;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.samples.swarm.client.ServerAddress;
import io.github.layershuffle.samples.swarm.client.SwarmClient;
import io.github.layershuffle.samples.swarm.client.SwarmClientBuilder;
import io.github.layershuffle.samples.swarm.client.SwarmResult;
import io.github.layershuffle.samples.swarm.data.LabeledImages;
import io.github.layershuffle.samples.swarm.server.BlockServer;
import io.github.layershuffle.samples.swarm.server.Parts;
import io.grpc.Metadata;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.Predicate;
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
    private final AtomicInteger liesTold = new AtomicInteger();
    /** The request the calling thread runs, for {@link Misbehaviour#tagging}; -1 outside one. */
    private final ThreadLocal<Integer> current = ThreadLocal.withInitial(() -> -1);

    private BenchRun(Path export, LabeledImages data, BenchOptions options, FaultSchedule schedule,
                     Misconduct misconduct, Consumer<SwarmClientBuilder> clientSetup, boolean mixedThreads) {
        this.misconduct = misconduct;
        this.clientSetup = clientSetup;
        this.mixedThreads = mixedThreads;
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
        BenchOutcomes outcomes = new BenchOutcomes(requests, data, misconduct);
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
                    .optHopTimeout(options.hopTimeout()).optSeed(options.seed())
                    .optInterceptor(Misbehaviour.tagging(current::get));
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
                    int from = r * options.batch();
                    int to = Math.min(limit, from + options.batch());
                    int request = r;
                    inFlight.acquireUninterruptibly();
                    pool.execute(() -> {
                        try {
                            current.set(request);
                            outcomes.record(request, from, to, () -> classify(client, policy, from, to));
                        } finally {
                            current.set(-1);
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
                .optName(serverName(s)).optRuntimeOptions(r).optMaxBatch(options.batch());
        if (misconduct.isSlow(s)) {
            b.optInterceptor(Misbehaviour.slow(misconduct.slowMicros(), () -> true));
        }
        for (Misbehaviour.Lie lie : Misbehaviour.Lie.values()) {
            b.optInterceptor(Misbehaviour.lying(lie, parts[s].blocks(), misconduct.seed() * 31 + s,
                    (Predicate<Metadata>) h -> misconduct.lie(s, Misbehaviour.request(h)) == lie, liesTold));
        }
        return b.start();
    }

    /** The name server {@code s} of a bench reports. */
    static String serverName(int s) {
        return "server-" + s;
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
}
