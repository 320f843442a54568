package io.github.layershuffle.samples.swarm.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.LayerShuffleException;
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

/** Verification against the client's own copy of the export ({@code optLocalExport}), on servers on 127.0.0.1. */
class InProcessVerifyTest {
    private static final ModelConfig CONFIG = TinySwarm.config(Variant.LAYERSHUFFLE_POSITION);

    @TempDir
    static Path tmp;
    static Path export;
    static Path other;
    static LayerShuffleModel local;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void export() {
        export = TinySwarm.export(CONFIG, "fam", 31, tmp.resolve("model"));
        other = TinySwarm.export(CONFIG, "fam", 32, tmp.resolve("other"));
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
        open.clear();
    }

    private BlockServer server(String parts, ServerInterceptor... interceptors) {
        BlockServer s = TinySwarm.server(export, parts, interceptors);
        open.add(s);
        return s;
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
    void aSpotCheckInProcessCatchesTheOnlyHostOfABlockLyingAndUsesTheRecompute() {
        for (Lie lie : Lie.values()) {
            AtomicInteger lies = new AtomicInteger();
            BlockServer ends = server("stem,head");
            BlockServer liar = server("0-2", Misbehaviour.lying(lie, List.of(0, 1, 2), 3, () -> true, lies));
            SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(ends, liar))
                    .optVerify(Verify.spot(1.0)).optLocalExport(export));
            SwarmResult r = classify(c, 1, ExecutionPlan.of(3, 0, 1, 2));
            assertThat(lies.get()).as("lie %s", lie).isEqualTo(1);
            assertThat(r.mismatches()).as("lie %s", lie).singleElement().satisfies(m -> {
                assertThat(m.resolved()).isTrue();
                assertThat(m.block()).isZero();
                assertThat(m.disagreeing()).containsExactly(liar.name());
                assertThat(m.agreeing()).containsExactly(Hop.IN_PROCESS);
                assertThat(m.maxDifference()).isGreaterThan(SwarmClient.DEFAULT_TOLERANCE);
            });
            assertThat(TinySwarm.banned(c, liar)).isTrue();
            // block 0 ran in process; the banned liar was the only host of blocks 1 and 2
            assertThat(r.ran().blocks()).containsExactly(0);
            assertThat(r.blockServers()).containsExactly(Hop.IN_PROCESS);
            assertMatchesLocal(r, 1);
            closeAllQuietly();
        }
    }

    @Test
    void withoutTheExportTheSameLieRunsUnverified() {
        AtomicInteger lies = new AtomicInteger();
        BlockServer ends = server("stem,head");
        BlockServer liar = server("0-2", Misbehaviour.lying(Lie.SCALE, List.of(0, 1, 2), 3, () -> true, lies));
        SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(ends, liar))
                .optVerify(Verify.spot(1.0)));
        SwarmResult r = classify(c, 1, ExecutionPlan.of(3, 0, 1, 2));
        assertThat(lies.get()).isEqualTo(3);
        assertThat(r.mismatches()).isEmpty();
        assertThat(r.unverifiedHops()).isEqualTo(5);
        assertThat(TinySwarm.banned(c, liar)).isFalse();
    }

    @Test
    void replicateTwoBreaksATwoServerSplitInProcessAndBansTheLiar() {
        AtomicInteger lies = new AtomicInteger();
        BlockServer honest = server("all");
        BlockServer liar = server("all", Misbehaviour.lying(Lie.NOISE, List.of(0, 1, 2), 3, () -> true, lies));
        SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(honest, liar))
                .optVerify(Verify.replicate(2)).optLocalExport(export));
        SwarmResult r = classify(c, 2, ExecutionPlan.of(3, 2, 0, 1));
        assertThat(r.mismatches()).isNotEmpty().allSatisfy(m -> {
            assertThat(m.resolved()).isTrue();
            assertThat(m.disagreeing()).containsExactly(liar.name());
            assertThat(m.agreeing()).containsExactly(honest.name(), Hop.IN_PROCESS);
        });
        assertThat(TinySwarm.banned(c, liar)).isTrue();
        assertThat(TinySwarm.banned(c, honest)).isFalse();
        assertThat(r.ran().size()).isEqualTo(3);
        assertMatchesLocal(r, 2);
    }

    @Test
    void anHonestLoneServerAgreesWithTheRecomputeAndNothingIsUnverified() {
        BlockServer only = server("all");
        SwarmClient c = client(SwarmClient.builder().servers(TinySwarm.addresses(only))
                .optVerify(Verify.replicate(2)).optLocalExport(export));
        SwarmResult r = classify(c, 4, ExecutionPlan.of(3, 0, 1, 2));
        assertThat(r.mismatches()).isEmpty();
        assertThat(r.unverifiedHops()).isZero();
        assertThat(r.hops()).filteredOn(h -> h.outcome() == Hop.Outcome.RECOMPUTED).hasSize(5);
        assertThat(r.agreedMaxDifference()).isLessThanOrEqualTo(SwarmClient.DEFAULT_TOLERANCE);
        assertThat(r.route()).doesNotContain(Hop.IN_PROCESS);
        assertMatchesLocal(r, 4);
    }

    @Test
    void aLocalExportOfAnotherModelIsRefused() {
        BlockServer only = server("all");
        assertThatThrownBy(() -> SwarmClient.builder().servers(TinySwarm.addresses(only))
                .optModelDir(export).optLocalExport(other).connect())
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("local export")
                .hasMessageContaining(other.toString());
        assertThatThrownBy(() -> SwarmClient.builder().servers(TinySwarm.addresses(only))
                .optLocalExport(other).connect())
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("hosts export");
    }

    private void closeAllQuietly() {
        try {
            closeAll();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
