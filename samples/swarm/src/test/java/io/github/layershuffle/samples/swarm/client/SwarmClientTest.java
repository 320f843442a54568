package io.github.layershuffle.samples.swarm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.samples.swarm.server.BlockServer;
import io.github.layershuffle.samples.swarm.testing.Faults;
import io.github.layershuffle.samples.swarm.testing.TinySwarm;
import io.github.layershuffle.samples.swarm.wire.ExportId;
import io.github.layershuffle.samples.swarm.wire.SwarmMethods;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against real block servers on 127.0.0.1; the -position variant makes every slot count. */
class SwarmClientTest {
    private static final ModelConfig CONFIG = TinySwarm.config(Variant.LAYERSHUFFLE_POSITION);

    @TempDir
    static Path tmp;
    static Path export;
    static LayerShuffleModel local;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void export() {
        export = TinySwarm.export(CONFIG, "fam", 11, tmp.resolve("model"));
        local = LayerShuffleModel.load(export);
    }

    @AfterAll
    static void closeLocal() {
        local.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private BlockServer server(String parts, io.grpc.ServerInterceptor... interceptors) {
        BlockServer s = TinySwarm.server(export, parts, interceptors);
        open.add(s);
        return s;
    }

    private SwarmClient client(SwarmClientBuilder b) {
        SwarmClient c = b.optSeed(5).connect();
        open.add(c);
        return c;
    }

    /** The logits of the local model under the plan the swarm reports as run. */
    private static void assertMatchesLocal(SwarmResult r, float[] pixels, int batch) {
        TinySwarm.assertMatchesLocal(local, CONFIG, r, pixels, batch);
    }

    @Test
    void runsThePlanAcrossServersAndReportsTheRouteThatRan() {
        BlockServer a = server("stem,0");
        BlockServer b = server("1,head");
        BlockServer c = server("2");
        SwarmClient client = client(SwarmClient.builder().servers(TinySwarm.addresses(a, b, c)));
        assertThat(client.model()).isEqualTo(ExportId.of(export));
        float[] pixels = TinySwarm.pixels(CONFIG, 2, 1);
        SwarmResult r = client.classify(pixels, TinySwarm.shape(CONFIG, 2), ExecutionPlan.of(3, 2, 0, 1));
        assertThat(r.planned()).isEqualTo(ExecutionPlan.of(3, 2, 0, 1));
        assertThat(r.ran()).isEqualTo(r.planned());
        assertThat(r.skipped()).isEmpty();
        assertThat(r.blockServers()).containsExactly(c.name(), a.name(), b.name());
        assertThat(r.route()).isEqualTo("stem@" + a.name() + " 2@" + c.name() + " 0@" + a.name() + " 1@" + b.name()
                + " head@" + b.name());
        assertThat(r.hops()).extracting(Hop::slot).containsExactly(-1, 0, 1, 2, -1);
        assertMatchesLocal(r, pixels, 2);
        assertThat(r.predictedLabels()).hasSize(2);
    }

    @Test
    void killingAServerMidRunStillAnswersEveryRequest() throws Exception {
        BlockServer[] servers = {server("all"), server("all"), server("all")};
        SwarmClient client = client(SwarmClient.builder().servers(TinySwarm.addresses(servers))
                .optFaultMode(FaultMode.SUBSTITUTE).optDeadline(Duration.ofSeconds(10)));
        ExecutionPolicy policy = ExecutionPolicy.random(3);
        int threads = 4;
        int perThread = 15;
        List<SwarmResult> results = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger done = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            Thread w = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    try {
                        float[] pixels = TinySwarm.pixels(CONFIG, 1, seed * 100 + i);
                        SwarmResult r = client.classify(pixels, TinySwarm.shape(CONFIG, 1), policy);
                        assertMatchesLocal(r, pixels, 1);
                        results.add(r);
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                    done.incrementAndGet();
                }
            });
            workers.add(w);
            w.start();
        }
        while (done.get() < threads * perThread / 3) {
            Thread.sleep(1);
        }
        servers[1].close();
        for (Thread w : workers) {
            w.join(30_000);
        }
        assertThat(errors).isEmpty();
        assertThat(results).hasSize(threads * perThread);
        assertThat(results).allSatisfy(r -> assertThat(r.ran()).isEqualTo(r.planned()));
        // after the kill the dead server was banned and no later request ran anything on it
        assertThat(client.servers().get(1).failures()).isPositive();
        SwarmResult after = client.classify(TinySwarm.pixels(CONFIG, 1, 999), TinySwarm.shape(CONFIG, 1), policy);
        assertThat(after.hops()).noneMatch(h -> h.server().equals(servers[1].name()));
    }

    @Test
    void aServerThatReturnsAGarbageShapeIsBannedAndRoutedAround() {
        AtomicInteger garbageCalls = new AtomicInteger();
        BlockServer bad = server("all", Faults.garbageBlocks(garbageCalls));
        BlockServer good = server("all");
        SwarmClient client = client(SwarmClient.builder().servers(TinySwarm.addresses(bad, good))
                .optFaultMode(FaultMode.SUBSTITUTE).optBan(Duration.ofSeconds(30), Duration.ofSeconds(60)));
        for (int i = 0; i < 10; i++) {
            float[] pixels = TinySwarm.pixels(CONFIG, 1, i);
            SwarmResult r = client.classify(pixels, TinySwarm.shape(CONFIG, 1), ExecutionPolicy.sequential());
            assertThat(r.ran()).isEqualTo(ExecutionPlan.sequential(3));
            assertThat(r.blockServers()).containsOnly(good.name());
            assertMatchesLocal(r, pixels, 1);
        }
        // one garbage answer was enough: banned for 30 s, it got no further block call
        assertThat(garbageCalls.get()).isEqualTo(1);
        ServerStatus status = client.servers().get(0);
        assertThat(status.banned()).isTrue();
        assertThat(status.problem()).contains("garbage response").contains("[1, 2, 3]");
    }

    @Test
    void honoursTheDeadlineWhenAServerSleepsPastIt() {
        AtomicInteger slowCalls = new AtomicInteger();
        BlockServer sleepy = server("all", Faults.slow(SwarmMethods.BLOCK.getFullMethodName(), 1500, slowCalls));
        SwarmClient client = client(SwarmClient.builder().servers(TinySwarm.addresses(sleepy))
                .optFaultMode(FaultMode.SUBSTITUTE).optDeadline(Duration.ofMillis(300))
                .optHopTimeout(Duration.ofSeconds(5)));
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> client.classify(TinySwarm.pixels(CONFIG, 1, 1), TinySwarm.shape(CONFIG, 1),
                ExecutionPolicy.sequential()))
                .isInstanceOf(SwarmException.class)
                .satisfies(e -> {
                    SwarmException s = (SwarmException) e;
                    assertThat(s.reason()).isEqualTo(SwarmException.Reason.DEADLINE_EXCEEDED);
                    assertThat(s.hops()).last().satisfies(h -> assertThat(h.outcome()).isEqualTo(Hop.Outcome.FAILED));
                });
        long millis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(millis).as("returned at about the 300 ms deadline, not after the 1500 ms sleep")
                .isLessThan(1200);
        assertThat(slowCalls.get()).isEqualTo(1);
    }

    @Test
    void skipsABlockWhoseServerSleepsPastTheHopTimeout() {
        BlockServer main = server("stem,head,0,2");
        BlockServer sleepy = server("1", Faults.slow(SwarmMethods.BLOCK.getFullMethodName(), 1500,
                new AtomicInteger()));
        SwarmClient client = client(SwarmClient.builder().servers(TinySwarm.addresses(main, sleepy))
                .optFaultMode(FaultMode.SKIP).optDeadline(Duration.ofSeconds(5)).optHopTimeout(Duration.ofMillis(200)));
        float[] pixels = TinySwarm.pixels(CONFIG, 1, 3);
        long t0 = System.nanoTime();
        SwarmResult r = client.classify(pixels, TinySwarm.shape(CONFIG, 1), ExecutionPolicy.sequential());
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1200);
        assertThat(r.ran()).isEqualTo(ExecutionPlan.of(3, 0, 2));
        assertThat(r.skipped()).containsExactly(1);
        assertThat(r.hops()).filteredOn(h -> h.outcome() == Hop.Outcome.FAILED).singleElement()
                .satisfies(h -> assertThat(h.detail()).startsWith("DEADLINE_EXCEEDED"));
        // block 2 ran in slot 1: the plan that ran, not the one drawn, decides the slots
        assertMatchesLocal(r, pixels, 1);
    }

    @Test
    void theReportedPlanIsWhatRanWhenBlocksAreSkipped() {
        BlockServer main = server("stem,head,0,1");
        BlockServer other = server("2");
        SwarmClient client = client(SwarmClient.builder().servers(TinySwarm.addresses(main, other))
                .optFaultMode(FaultMode.SUBSTITUTE_OR_SKIP));
        other.close();
        for (int i = 0; i < 5; i++) {
            float[] pixels = TinySwarm.pixels(CONFIG, 2, i);
            SwarmResult r = client.classify(pixels, TinySwarm.shape(CONFIG, 2), ExecutionPolicy.random(i));
            List<Integer> expected = new ArrayList<>(r.planned().blocks());
            expected.remove(Integer.valueOf(2));
            assertThat(r.ran().blocks()).isEqualTo(expected);
            assertThat(r.skipped()).containsExactly(2);
            assertThat(r.hops()).filteredOn(h -> h.stage() == Hop.Stage.BLOCK && h.outcome() == Hop.Outcome.OK)
                    .extracting(Hop::block).isEqualTo(r.ran().blocks());
            assertThat(r.hops()).filteredOn(h -> h.stage() == Hop.Stage.BLOCK && h.outcome() == Hop.Outcome.OK)
                    .extracting(Hop::slot).containsExactly(0, 1);
            assertMatchesLocal(r, pixels, 2);
        }
    }

    /**
     * Regression: a server restarted on its port stayed unreachable while gRPC's reconnect backoff ran (the channel
     * failed every call at once), so its blocks were skipped long after it was back.
     */
    @Test
    void aServerRestartedOnItsPortIsUsedAgainDespiteItsBan() throws Exception {
        BlockServer main = server("stem,head,0,1");
        BlockServer other = server("2");
        int port = other.port();
        SwarmClient client = client(SwarmClient.builder().servers(TinySwarm.addresses(main, other))
                .optFaultMode(FaultMode.SUBSTITUTE_OR_SKIP).optBan(Duration.ofSeconds(30), Duration.ofSeconds(60)));
        other.close();
        float[] pixels = TinySwarm.pixels(CONFIG, 1, 8);
        SwarmResult down = client.classify(pixels, TinySwarm.shape(CONFIG, 1), ExecutionPolicy.sequential());
        assertThat(down.skipped()).containsExactly(2);
        assertThat(client.servers().get(1).banned()).isTrue();
        BlockServer back = TinySwarm.server(export, "2", port);
        open.add(back);
        Thread.sleep(50);   // past the interval between health probes of one banned server
        SwarmResult up = client.classify(pixels, TinySwarm.shape(CONFIG, 1), ExecutionPolicy.sequential());
        assertThat(up.ran()).isEqualTo(ExecutionPlan.sequential(3));
        assertThat(up.blockServers()).containsExactly(main.name(), main.name(), back.name());
        assertMatchesLocal(up, pixels, 1);
    }

    @Test
    void failModeFailsAtTheFirstFailedHopAndTooFewBlocksIsAnError() {
        BlockServer main = server("stem,head,0,1");
        BlockServer other = server("2");
        List<ServerAddress> addresses = TinySwarm.addresses(main, other);
        SwarmClient strict = client(SwarmClient.builder().servers(addresses).optFaultMode(FaultMode.FAIL));
        SwarmClient picky = client(SwarmClient.builder().servers(addresses).optFaultMode(FaultMode.SKIP)
                .optMinBlocks(3));
        other.close();
        float[] pixels = TinySwarm.pixels(CONFIG, 1, 1);
        assertThatThrownBy(() -> strict.classify(pixels, TinySwarm.shape(CONFIG, 1), ExecutionPolicy.sequential()))
                .isInstanceOf(SwarmException.class).hasMessageContaining("HOP_FAILED: block 2 failed on")
                .extracting(e -> ((SwarmException) e).hops().size()).isEqualTo(4);
        assertThatThrownBy(() -> picky.classify(pixels, TinySwarm.shape(CONFIG, 1), ExecutionPolicy.sequential()))
                .isInstanceOf(SwarmException.class)
                .hasMessageContaining("TOO_FEW_BLOCKS: 2 of the 3 planned blocks ran [0, 1]");
        // once no server is up, a new client cannot even learn what the model is
        main.close();
        assertThatThrownBy(() -> SwarmClient.builder().servers(addresses).optModelDir(export)
                .optConnectTimeout(Duration.ofMillis(300)).connect())
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("no server answered");
    }

    @Test
    void refusesBadInputBeforeSendingIt() {
        BlockServer s = server("all");
        SwarmClient client = client(SwarmClient.builder().servers(TinySwarm.addresses(s)));
        assertThatThrownBy(() -> client.classify(new float[64], new long[] {1, 3, 8, 8}, ExecutionPolicy.sequential()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[batch >= 1, 1, 8, 8]");
        assertThatThrownBy(() -> client.classify(new float[64], TinySwarm.shape(CONFIG, 1), ExecutionPlan.of(4, 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("made for 4 blocks");
        assertThatThrownBy(() -> SwarmClient.builder().servers(TinySwarm.addresses(s)).optModel("0123456789abcdef")
                .connect()).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("no server that answered hosts export 0123456789abcdef");
        assertThat(client.health(Duration.ofSeconds(2))).containsValue("SERVING");
    }
}
