package io.github.layershuffle.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.Variant;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.train.model.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmarks' plumbing on a tiny model; the figures themselves are not asserted. */
class BenchmarkPlumbingTest {
    @TempDir
    Path tmp;

    @Test
    void memoryProbesRunInChildJvmsAndReportGrowth() {
        Path export = OnnxExporter.builder().build()
                .export(TestModels.randomCheckpoint(TestModels.tiny(Variant.LAYERSHUFFLE), 3), tmp.resolve("e"));
        List<MemoryBenchmark.Row> rows = MemoryBenchmark.run(export, new int[] {2}, 3);
        assertThat(rows).extracting(MemoryBenchmark.Row::cpuArena).containsExactly(false, true);
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.batch()).isEqualTo(2);
            assertThat(r.loadKiB()).as("loading sessions takes memory").isPositive();
        });
    }

    @Test
    void aProbeThatFailsIsReportedWithItsOutput() {
        assertThatThrownBy(() -> MemoryBenchmark.run(tmp.resolve("missing"), new int[] {1}, 1))
                .hasMessageContaining("memory probe").hasMessageContaining("missing");
    }

    @Test
    void onlyOneMultiThreadedSettingPerProcess() {
        assertThatThrownBy(() -> InferenceBenchmark.run(TestModels.tiny(Variant.LAYERSHUFFLE), tmp, new int[] {1}, 1,
                new int[] {2, 4})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most one");
        assertThatThrownBy(() -> InferenceBenchmark.run(TestModels.tiny(Variant.LAYERSHUFFLE), tmp, new int[] {1}, 1,
                new int[] {0})).isInstanceOf(IllegalArgumentException.class);
    }
}
