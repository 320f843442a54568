package io.github.layershuffle.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.cli.experiment.ExperimentListener;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.model.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The full-size command's path in miniature: a tiny Hugging Face file and image folder, every unit, parity. */
class PaperPathTest {
    @TempDir
    Path tmp;

    @Test
    void importFineTuneEvaluateMergeExportAndParity() {
        ModelConfig tiny = ModelConfig.builder().imageSize(8).channels(3).patchSize(4).width(8).depth(2).heads(2)
                .mlpWidth(16).classes(5).build();
        Path hf = tmp.resolve("hf").resolve("model.safetensors");
        HuggingFaceVitFile.write(hf, tiny, 1);
        SyntheticImageFolder.write(tmp.resolve("img"), 3, 8, 4, 8, "png", 2);

        DatasetSplits splits = PaperPath.splits(hf, tmp.resolve("img"));
        Checkpoint initial = PaperPath.initial(hf, splits);
        assertThat(initial.config().classes()).as("head re-made for the folder's classes").isEqualTo(3);
        ExperimentSettings s = PaperPath.settings(initial.config(), 4, 8, 4);
        assertThat(s.preset()).isEqualTo("paper");
        assertThat(s.keeps()).containsExactly(2);
        assertThat(PaperPath.settings(ModelConfig.vitB16(4), 8, 16, 8).keeps()).containsExactly(6, 12);
        ExperimentResult r = PaperPath.experiment(initial, splits, s, tmp.resolve("run"), new ExperimentListener() {
        });
        assertThat(r.isComplete()).isTrue();
        assertThat(PaperPath.checkpoint(tmp.resolve("run"), Variant.LAYERSHUFFLE, 2)).isRegularFile();

        List<PaperPath.Parity> parity = PaperPath.parity(tmp.resolve("run"), splits.validation(), 4, tmp.resolve("p"));
        assertThat(parity).hasSize(4);
        assertThat(parity).allSatisfy(p -> {
            assertThat(p.maxAbs()).as(p.case_()).isLessThan(1e-4);
            assertThat(p.maxLogit()).isPositive();
            assertThat(p.sameTop1()).isTrue();
        });
    }

    @Test
    void composedAgainstOneGraphInChildJvms() {
        Path export = OnnxExporter.builder().optFullModel(true).build()
                .export(TestModels.randomCheckpoint(TestModels.tiny(Variant.LAYERSHUFFLE), 3), tmp.resolve("e"));
        assertThat(Files.isRegularFile(export.resolve("model.onnx"))).isTrue();
        List<MemoryBenchmark.GraphRow> rows = MemoryBenchmark.compareGraphs(export, 2, 2, false);
        assertThat(rows).extracting(MemoryBenchmark.GraphRow::composed).containsExactly(true, false);
        assertThat(rows).allSatisfy(g -> {
            assertThat(g.loadKiB()).isPositive();
            assertThat(g.loadMillis()).isPositive();
        });
    }
}
