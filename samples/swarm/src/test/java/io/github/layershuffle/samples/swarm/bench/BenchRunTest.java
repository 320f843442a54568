package io.github.layershuffle.samples.swarm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.samples.swarm.cli.RandomExports;
import io.github.layershuffle.samples.swarm.cli.SwarmCli;
import io.github.layershuffle.samples.swarm.client.FaultMode;
import io.github.layershuffle.samples.swarm.data.LabeledImages;
import io.github.layershuffle.samples.swarm.testing.IdxFiles;
import io.github.layershuffle.samples.swarm.testing.TinySwarm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench end to end on tiny random exports and a small IDX test set written by the test. */
class BenchRunTest {
    @TempDir
    static Path tmp;
    static Path shuffle;
    static Path baseline;
    static LabeledImages data;

    @BeforeAll
    static void setUp() {
        shuffle = RandomExports.export(RandomExports.fashionConfig(Variant.LAYERSHUFFLE, 4, 16, 2), "f", 1,
                tmp.resolve("shuffle"));
        baseline = RandomExports.export(RandomExports.fashionConfig(Variant.BASELINE, 4, 16, 2), "f", 2,
                tmp.resolve("baseline"));
        IdxFiles.writeTestSet(tmp, 48, 3);
        data = LabeledImages.read(tmp, "t10k");
    }

    @Test
    void everyRequestIsAnsweredOrFailsWithAReasonWhileServersDie() {
        BenchOptions options = new BenchOptions(3, 2, 48, 4, 3, Duration.ofSeconds(60), FaultMode.SUBSTITUTE_OR_SKIP,
                Duration.ofSeconds(5), Duration.ofSeconds(1), 1, 1, 2);
        FaultSchedule schedule = FaultSchedule.generate(5, 3, options.requests(), 2, 3, 1);
        assertThat(schedule.kills()).isPositive();
        AtomicInteger progress = new AtomicInteger();
        BenchResult r = BenchRun.run(shuffle, data, ExecutionPolicy.random(1), options, schedule,
                done -> progress.accumulateAndGet(done, Math::max));
        assertThat(r.dispatched()).isEqualTo(12);
        assertThat(r.answered() + r.failed()).isEqualTo(12);
        assertThat(r.answered()).as("stem and head live on every server and one always stays up: %s", r.failures())
                .isEqualTo(12);
        assertThat(r.images()).isEqualTo(48);
        assertThat(r.kills()).isEqualTo((int) schedule.kills());
        assertThat(r.restartFailures()).isZero();
        assertThat(r.blocksMax()).isLessThanOrEqualTo(4);
        assertThat(r.blocksMin()).isGreaterThanOrEqualTo(1);
        assertThat(r.latencyMillis()[0]).isPositive().isLessThanOrEqualTo(r.latencyMillis()[2]);
        assertThat(r.accuracy()).isBetween(0.0, 1.0);
        assertThat(progress.get()).isEqualTo(12);
    }

    @Test
    void lyingSpellsAreCountedAndCaughtUnderReplicateAndMissedWithoutVerification() {
        BenchOptions options = new BenchOptions(3, 3, 48, 4, 1, Duration.ofSeconds(60), FaultMode.SUBSTITUTE_OR_SKIP,
                Duration.ofSeconds(5), Duration.ofSeconds(2), 1, 1, 1);
        Misconduct m = Misconduct.generate(3, 3, options.requests(), 1, 1_000, 2, 3,
                java.util.List.of(Misbehaviour.Lie.values()));
        assertThat(m.spells()).isNotEmpty();
        assertThat(Misconduct.generate(3, 3, options.requests(), 1, 1_000, 2, 3,
                java.util.List.of(Misbehaviour.Lie.values()))).as("seeded").isEqualTo(m);
        BenchResult caught = BenchRun.run(shuffle, data, ExecutionPolicy.random(1), options, FaultSchedule.none(3), m,
                b -> b.optVerify(io.github.layershuffle.samples.swarm.client.Verify.replicate(2))
                        .optLiarBan(Duration.ofMillis(1)), true, d -> { });
        assertThat(caught.answered()).isEqualTo(12);
        assertThat(caught.lies().told()).isPositive();
        assertThat(caught.lies().caught()).isEqualTo(caught.lies().told()).isEqualTo(caught.lies().delivered());
        assertThat(caught.lies().missed()).isZero();
        assertThat(caught.lies().detectionRate()).isEqualTo(1.0);
        assertThat(caught.verificationCalls()).isPositive();
        BenchResult blind = BenchRun.run(shuffle, data, ExecutionPolicy.random(1), options, FaultSchedule.none(3), m,
                b -> { }, false, d -> { });
        assertThat(blind.lies().told()).isPositive();
        assertThat(blind.lies().unchecked()).isEqualTo(blind.lies().told()).isEqualTo(blind.lies().missed());
        assertThat(blind.lies().detected()).isZero();
        assertThat(blind.verificationCalls()).isZero();
    }

    @Test
    void withTheExportAtHandEveryLieOfALoneHostIsCaughtInProcess() {
        // one host per block: no server can check another, only the in-process recompute can
        BenchOptions options = new BenchOptions(3, 1, 24, 4, 1, Duration.ofSeconds(60), FaultMode.SUBSTITUTE_OR_SKIP,
                Duration.ofSeconds(5), Duration.ofSeconds(2), 1, 1, 1);
        Misconduct m = Misconduct.generate(4, 3, options.requests(), 0, 0, 1, 2,
                java.util.List.of(Misbehaviour.Lie.values()));
        BenchResult alone = BenchRun.run(shuffle, data, ExecutionPolicy.random(1), options, FaultSchedule.none(3), m,
                b -> b.optVerify(io.github.layershuffle.samples.swarm.client.Verify.replicate(2))
                        .optLiarBan(Duration.ofMillis(1)), false, d -> { });
        assertThat(alone.lies().delivered()).isPositive();
        assertThat(alone.lies().unverified()).isEqualTo(alone.lies().delivered());
        BenchResult local = BenchRun.run(shuffle, data, ExecutionPolicy.random(1), options, FaultSchedule.none(3), m,
                b -> b.optVerify(io.github.layershuffle.samples.swarm.client.Verify.replicate(2))
                        .optLiarBan(Duration.ofMillis(1)).optLocalExport(shuffle), false, d -> { });
        assertThat(local.answered()).isEqualTo(6);
        assertThat(local.lies().delivered()).isPositive();
        assertThat(local.lies().caught()).isEqualTo(local.lies().delivered());
        assertThat(local.lies().missed()).isZero();
        assertThat(local.unverifiedHops()).isZero();
    }

    @Test
    void refusesAScheduleForAnotherSwarmAndImagesOfAnotherSize() {
        BenchOptions options = new BenchOptions(2, 1, 8, 4, 1, Duration.ofSeconds(10), FaultMode.SKIP,
                Duration.ofSeconds(2), Duration.ofSeconds(1), 1, 1, 2);
        assertThatThrownBy(() -> BenchRun.run(shuffle, data, ExecutionPolicy.sequential(), options,
                FaultSchedule.none(3), d -> { })).hasMessageContaining("schedule is for 3 servers");
        Path small = TinySwarm.export(TinySwarm.config(Variant.BASELINE), "g", 1, tmp.resolve("small"));
        assertThatThrownBy(() -> BenchRun.run(small, data, ExecutionPolicy.sequential(), options,
                FaultSchedule.none(2), d -> { })).hasMessageContaining("takes 8x8 images, the data set has 28x28");
        assertThatThrownBy(() -> new BenchOptions(2, 3, 8, 4, 1, Duration.ofSeconds(10), FaultMode.SKIP,
                Duration.ofSeconds(2), Duration.ofSeconds(1), 1, 1, 2)).hasMessageContaining("replicas must be in [1, "
                + "servers=2], was 3");
    }

    @Test
    void theBenchCommandComparesTwoExportsUnderOneSchedule() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.out;
        int status;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            status = SwarmCli.run("bench", shuffle.toString(), baseline.toString(), "--data", tmp.toString(),
                    "--servers", "3", "--replicas", "1", "--images", "40", "--batch", "4", "--concurrency", "2",
                    "--kill-every", "3", "--down-for", "4", "--seed", "3", "--policy", "random:2",
                    "--fault-mode", "skip", "--deadline-ms", "3000");
        } finally {
            System.setOut(old);
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as(text).isZero();
        assertThat(text).contains("fault schedule (seed 3)").contains("layershuffle").contains("baseline")
                .contains("latency p50 / p90 ms").contains("blocks run mean");
        assertThat(text.lines().filter(l -> l.startsWith("requests dispatched")).findFirst().orElseThrow())
                .matches("requests dispatched\\s+10\\s+10");
    }
}
