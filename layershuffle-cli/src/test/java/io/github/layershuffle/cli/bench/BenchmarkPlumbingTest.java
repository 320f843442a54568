package io.github.layershuffle.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.onnx.image.ImageInput;
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
    void theOneGraphIsAlsoTimedInTheComposedModelsPassesWhereTheBatchIsSplit() {
        var checkpoint = TestModels.randomCheckpoint(TestModels.tiny(Variant.LAYERSHUFFLE), 4);
        Path export = OnnxExporter.builder().optFullModel(true).build().export(checkpoint, tmp.resolve("e"));
        List<InferenceBenchmark.Row> rows = InferenceBenchmark.measure(checkpoint, export, new int[] {1, 4}, 2, 1,
                new int[] {1}, ai.onnxruntime.OrtSession.SessionOptions.OptLevel.ALL_OPT, false, 0, 2);
        assertThat(rows).extracting(InferenceBenchmark.Row::passImages).containsExactly(2, 2);
        assertThat(rows.get(0).fullInPasses()).as("batch 1 is one pass").isNaN();
        assertThat(rows.get(0).passOverhead()).isNaN();
        assertThat(rows.get(1).fullInPasses()).isPositive().isFinite();
        assertThat(rows.get(1).composedInPassRounds()).isPositive().isFinite();
        assertThat(rows.get(1).passOverhead()).isFinite();
    }

    @Test
    void onlyOneMultiThreadedSettingPerProcess() {
        assertThatThrownBy(() -> InferenceBenchmark.run(TestModels.tiny(Variant.LAYERSHUFFLE), tmp, new int[] {1}, 1,
                new int[] {2, 4})).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most one");
        assertThatThrownBy(() -> InferenceBenchmark.run(TestModels.tiny(Variant.LAYERSHUFFLE), tmp, new int[] {1}, 1,
                new int[] {0})).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void preprocessingMeasuresEachCaseOnFilesItWrites() {
        ModelConfig grey = ModelConfig.builder().imageSize(8).channels(1).patchSize(4).width(8).depth(2).heads(2)
                .mlpWidth(16).classes(3).variant(Variant.LAYERSHUFFLE).build();
        ModelConfig rgb = ModelConfig.builder().imageSize(8).channels(3).patchSize(4).width(8).depth(2).heads(2)
                .mlpWidth(16).classes(3).variant(Variant.LAYERSHUFFLE).build();
        List<PreprocessingBenchmark.Case> cases = List.of(
                new PreprocessingBenchmark.Case("grey", grey, 28, 28, "png", ImageInput.Fit.STRETCH),
                new PreprocessingBenchmark.Case("rgb", rgb, 20, 12, "jpg", ImageInput.Fit.CENTER_CROP));
        List<PreprocessingBenchmark.Row> rows =
                PreprocessingBenchmark.run(cases, tmp, tmp.resolve("no-data"), 3, 1, 1, 0);
        assertThat(rows).extracting(r -> r.c().name()).containsExactly("grey", "rgb");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.source()).startsWith("seeded noise");
            assertThat(r.files()).isEqualTo(3);
            assertThat(r.meanFileBytes()).isPositive();
            assertThat(List.of(r.decode(), r.preprocess(), r.preprocessAll(), r.model())).allMatch(v -> v > 0);
        });
        assertThat(tmp.resolve("preprocessing-1/image-002.jpg")).isRegularFile();
        assertThatThrownBy(() -> PreprocessingBenchmark.run(cases, tmp, tmp, 0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("files, rounds and threads");
    }
}
