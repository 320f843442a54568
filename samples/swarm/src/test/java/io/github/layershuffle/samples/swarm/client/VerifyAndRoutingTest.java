package io.github.layershuffle.samples.swarm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.samples.swarm.bench.Misbehaviour;
import io.github.layershuffle.samples.swarm.bench.Misbehaviour.Lie;
import io.github.layershuffle.samples.swarm.server.BlockServer;
import io.github.layershuffle.samples.swarm.testing.TinySwarm;
import io.grpc.ServerInterceptor;
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

/** Verification against lying servers, adaptive routing and the budget, on real servers on 127.0.0.1. */
class VerifyAndRoutingTest {
    private static final ModelConfig CONFIG = TinySwarm.config(Variant.LAYERSHUFFLE_POSITION);

    @TempDir
    static Path tmp;
    static Path export;
    static Path baseline;
    static LayerShuffleModel local;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void export() {
        export = TinySwarm.export(CONFIG, "fam", 21, tmp.resolve("model"));
        baseline = TinySwarm.export(TinySwarm.config(Variant.BASELINE), "fam", 22, tmp.resolve("baseline"));
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

    private BlockServer server(Path model, String parts, ServerInterceptor... interceptors) {
        BlockServer s = TinySwarm.server(model, parts, interceptors);
        open.add(s);
        return s;
    }

    private BlockServer liar(Lie lie, AtomicInteger lies) {
        return server(export, "all", Misbehaviour.lying(lie, List.of(0, 1, 2), 3, () -> true, lies));
    }

    private SwarmClient client(SwarmClientBuilder b) {
        SwarmClient c = b.optSeed(5).optDeadline(Duration.ofSeconds(20)).optHopTimeout(Duration.ofSeconds(5))
                .connect();
        open.add(c);
        return c;
    }

    private static SwarmResult classify(SwarmClient c, int seed, ExecutionPlan plan) {
        return TinySwarm.classify(c, CONFIG, seed, plan);
    }

    private static void assertMatchesLocal(SwarmResult r, int seed) {
        TinySwarm.assertMatchesLocal(local, CONFIG, r, TinySwarm.pixels(CONFIG, 1, seed), 1);
    }


    @Test
    void withoutVerificationALieOfTheRightShapeGoesUnnoticed() {
        AtomicInteger lies = new AtomicInteger();
        BlockServer liar = liar(Lie.SCALE, lies);
        SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(liar)));
        SwarmResult r = classify(c, 1, ExecutionPlan.of(3, 0, 1, 2));
        assertThat(lies.get()).isEqualTo(3);
        assertThat(r.mismatches()).isEmpty();
        assertThat(TinySwarm.banned(c, liar)).isFalse();
    }

    @Test
    void replicateTwoDetectsAndBansALyingServer() {
        for (Lie lie : Lie.values()) {
            AtomicInteger lies = new AtomicInteger();
            BlockServer a = server(export, "all");
            BlockServer b = server(export, "all");
            BlockServer liar = liar(lie, lies);
            SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(a, liar, b))
                    .optVerify(Verify.replicate(2)));
            List<Mismatch> found = new ArrayList<>();
            for (int i = 0; i < 10 && found.isEmpty(); i++) {
                SwarmResult r = classify(c, i, ExecutionPlan.of(3, 2, 0, 1));
                found.addAll(r.mismatches());
                assertMatchesLocal(r, i);
                assertThat(r.ran().size()).isEqualTo(3);
            }
            assertThat(found).as("lie %s", lie).isNotEmpty();
            Mismatch m = found.get(0);
            assertThat(m.resolved()).isTrue();
            assertThat(m.disagreeing()).containsExactly(liar.name());
            assertThat(m.agreeing()).hasSize(2).doesNotContain(liar.name());
            assertThat(m.maxDifference()).isGreaterThan(SwarmClient.DEFAULT_TOLERANCE);
            assertThat(TinySwarm.banned(c, liar)).as("lie %s", lie).isTrue();
            int told = lies.get();
            for (int i = 0; i < 3; i++) {
                SwarmResult r = classify(c, 100 + i, ExecutionPlan.of(3, 0, 1, 2));
                assertThat(r.mismatches()).isEmpty();
                assertThat(r.route()).doesNotContain(liar.name());
                assertThat(r.verificationCalls()).isEqualTo(5);
            }
            assertThat(lies.get()).as("the liar gets no traffic once banned").isEqualTo(told);
            closeAllQuietly();
        }
    }

    @Test
    void spotCheckingEveryHopDetectsALiarAndBansItWhenAThirdServerBreaksTheTie() {
        AtomicInteger lies = new AtomicInteger();
        BlockServer a = server(export, "all");
        BlockServer liar = liar(Lie.NOISE, lies);
        BlockServer b = server(export, "all");
        SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(liar, a, b))
                .optVerify(Verify.spot(1.0)));
        SwarmResult r = classify(c, 7, ExecutionPlan.of(3, 1, 2, 0));
        assertThat(r.mismatches()).isNotEmpty().allSatisfy(m -> assertThat(m.disagreeing())
                .containsExactly(liar.name()));
        assertThat(TinySwarm.banned(c, liar)).isTrue();
        assertMatchesLocal(r, 7);
    }

    @Test
    void spotCheckingWithOnlyTwoServersReportsTheMismatchButBansNeither() {
        AtomicInteger lies = new AtomicInteger();
        BlockServer a = server(export, "all");
        BlockServer liar = liar(Lie.OTHER_BLOCK, lies);
        SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(a, liar))
                .optVerify(Verify.spot(1.0)).optFaultMode(FaultMode.SUBSTITUTE_OR_SKIP));
        // every block is left out, a hop nobody can vouch for: too few blocks, with the mismatches reported
        assertThatThrownBy(() -> classify(c, 2, ExecutionPlan.of(3, 0, 1, 2)))
                .isInstanceOfSatisfying(SwarmException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SwarmException.Reason.TOO_FEW_BLOCKS);
                    assertThat(e.mismatches()).hasSize(3).allSatisfy(m -> {
                        assertThat(m.resolved()).isFalse();
                        assertThat(m.disagreeing()).containsExactlyInAnyOrder(a.name(), liar.name());
                        assertThat(m.maxDifference()).isGreaterThan(SwarmClient.DEFAULT_TOLERANCE);
                    });
                });
        assertThat(TinySwarm.banned(c, a)).isFalse();
        SwarmClient strict = client(SwarmClient.builder().servers(TinySwarm.addresses(a, liar))
                .optVerify(Verify.spot(1.0)).optFaultMode(FaultMode.SUBSTITUTE));
        assertThatThrownBy(() -> classify(strict, 2, ExecutionPlan.of(3, 0, 1, 2)))
                .isInstanceOfSatisfying(SwarmException.class, e -> {
                    assertThat(e.reason()).isEqualTo(SwarmException.Reason.OUTPUTS_DISAGREE);
                    assertThat(e.mismatches()).hasSize(1);
                });
    }

    @Test
    void honestReplicasAgreeWithinTheDefaultTolerance() {
        BlockServer a = server(export, "all");
        BlockServer b = server(export, "all");
        BlockServer d = server(export, "all");
        SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(a, b, d))
                .optVerify(Verify.replicate(3)));
        for (int i = 0; i < 3; i++) {
            SwarmResult r = classify(c, i, ExecutionPlan.of(3, 2, 1, 0));
            assertThat(r.mismatches()).isEmpty();
            assertThat(r.verificationCalls()).isEqualTo(2 * 5);
            assertMatchesLocal(r, i);
        }
    }

    @Test
    void aHopOnlyOneServerCanRunIsReportedUnverified() {
        BlockServer only = server(export, "all");
        SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(only))
                .optVerify(Verify.replicate(2)));
        SwarmResult r = classify(c, 4, ExecutionPlan.of(3, 0, 1, 2));
        assertThat(r.unverifiedHops()).isEqualTo(5);
        assertThat(r.verificationCalls()).isZero();
        assertMatchesLocal(r, 4);
    }

    @Test
    void verifyParsesItsForms() {
        assertThat(Verify.parse("none")).isEqualTo(Verify.none());
        assertThat(Verify.parse("spot:0.25")).isEqualTo(Verify.spot(0.25));
        assertThat(Verify.parse("replicate:3")).isEqualTo(Verify.replicate(3));
        assertThatThrownBy(() -> Verify.parse("spot:0")).hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> Verify.parse("replicate:1")).hasMessageContaining("[2, 16]");
        assertThatThrownBy(() -> Verify.parse("vote")).hasMessageContaining("none, spot:P");
    }

    @Test
    void adaptiveRoutingPrefersTheFastServer() {
        BlockServer fast = server(export, "all");
        BlockServer slow = server(export, "all", Misbehaviour.slow(30_000, () -> true));
        SwarmClient adaptive = client(SwarmClient.builder().servers(TinySwarm.addresses(slow, fast))
                .optRouting(Routing.ADAPTIVE));
        SwarmClient random = client(SwarmClient.builder().servers(TinySwarm.addresses(slow, fast)));
        int adaptiveOnSlow = 0;
        int randomOnSlow = 0;
        for (int i = 0; i < 6; i++) {
            adaptiveOnSlow += count(classify(adaptive, i, ExecutionPlan.of(3, 0, 1, 2)).blockServers(), slow.name());
            randomOnSlow += count(classify(random, i, ExecutionPlan.of(3, 0, 1, 2)).blockServers(), slow.name());
        }
        // the slow server is tried once per stage while it is untimed, then only the fast one gets blocks
        assertThat(adaptiveOnSlow).isLessThanOrEqualTo(1);
        assertThat(randomOnSlow).isGreaterThan(3);
    }

    @Test
    void adaptiveRoutingRunsTheBlocksOfFastServersFirstButBaselinesKeepTheirOrder() {
        for (Path model : List.of(export, baseline)) {
            BlockServer fast = server(model, "stem,head,0,1");
            BlockServer slow = server(model, "2", Misbehaviour.slow(20_000, () -> true));
            SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(fast, slow))
                    .optRouting(Routing.ADAPTIVE));
            ExecutionPlan plan = ExecutionPlan.of(3, 2, 1, 0);
            classify(c, 0, plan);   // times both servers
            SwarmResult r = classify(c, 1, plan);
            if (model == export) {
                assertThat(r.ran().blocks()).containsExactly(1, 0, 2);
                assertMatchesLocal(r, 1);
            } else {
                assertThat(r.ran().blocks()).containsExactly(2, 1, 0);
            }
            closeAllQuietly();
        }
    }

    @Test
    void theBudgetStopsTheBlocksThatWouldNotFitThenRunsTheHead() {
        BlockServer slow = server(export, "all", Misbehaviour.slow(40_000, () -> true));
        SwarmClient tight = client(SwarmClient.builder().servers(TinySwarm.addresses(slow))
                .optBudget(Duration.ofMillis(100)));
        // stem and block 0 take >= 80 ms; block 1 is then expected to end >= 120 ms in: it is not started
        SwarmResult r = classify(tight, 3, ExecutionPlan.of(3, 0, 1, 2));
        assertThat(r.budgetStopped()).isTrue();
        assertThat(r.ran().blocks()).containsExactly(0);
        assertThat(r.skipped()).containsExactly(1, 2);
        assertThat(r.route()).endsWith("head@" + slow.name());
        assertMatchesLocal(r, 3);
        SwarmClient loose = client(SwarmClient.builder().servers(TinySwarm.addresses(slow))
                .optBudget(Duration.ofSeconds(30)));
        SwarmResult all = classify(loose, 3, ExecutionPlan.of(3, 0, 1, 2));
        assertThat(all.budgetStopped()).isFalse();
        assertThat(all.ran().size()).isEqualTo(3);
        assertThatThrownBy(() -> SwarmClient.builder().optBudget(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("budget");
    }

    @Test
    void adaptivePolicyWithABudgetUsesItsTimeOnTheFastServersBlocks() {
        BlockServer fast = server(export, "stem,head,0,1");
        BlockServer slow = server(export, "2", Misbehaviour.slow(200_000, () -> true));
        SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(fast, slow))
                .optRouting(Routing.ADAPTIVE).optBudget(Duration.ofMillis(150)));
        classify(c, 0, ExecutionPlan.of(3, 2, 1, 0));   // times the slow server: 200 ms, over the budget
        SwarmResult r = classify(c, 1, ExecutionPolicy.sequential().plan(3));
        assertThat(r.ran().blocks()).containsExactly(0, 1);
        assertThat(r.budgetStopped()).isTrue();
    }

    private void closeAllQuietly() {
        try {
            closeAll();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        open.clear();
    }

    private static int count(List<String> servers, String name) {
        return (int) servers.stream().filter(name::equals).count();
    }
}
