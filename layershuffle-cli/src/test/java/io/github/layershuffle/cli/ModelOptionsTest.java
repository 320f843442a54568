package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LossReduction;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The earlier forms of the methods, {@code --slot-table} and {@code --predict-loss-reduction} (issue 13). */
class ModelOptionsTest {
    private static final List<String> CLASSES = List.of("a", "b");

    @TempDir
    Path dir;

    private static ModelOptions parse(String... args) {
        TrainCommand train = new TrainCommand();
        new CommandLine(train).parseArgs(args);
        return train.model;
    }

    @Test
    void defaultsAreTheAuthorsForms() {
        ModelConfig c = parse("--out", "x", "--variant", "layershuffle-position").resolve(null, CLASSES);
        assertThat(c.slotTable()).isEqualTo(SlotTable.SHARED);
        ModelConfig p = parse("--out", "x", "--variant", "layershuffle-predict").resolve(null, CLASSES);
        assertThat(p.predictLossReduction()).isEqualTo(LossReduction.MEAN);
    }

    @Test
    void theFlagsSelectTheEarlierForms() {
        ModelConfig c = parse("--out", "x", "--variant", "layershuffle-position", "--slot-table", "per-block")
                .resolve(null, CLASSES);
        assertThat(c.slotTable()).isEqualTo(SlotTable.PER_BLOCK);
        ModelConfig p = parse("--out", "x", "--variant", "layershuffle-predict", "--predict-loss-reduction", "sum")
                .resolve(null, CLASSES);
        assertThat(p.predictLossReduction()).isEqualTo(LossReduction.SUM);
    }

    @Test
    void aFineTuneCanChangeTheFormOfItsBase() {
        ModelConfig base = LayerShuffleCliTest.tinyConfig(Variant.LAYERSHUFFLE_POSITION);
        assertThat(base.slotTable()).isEqualTo(SlotTable.SHARED);
        ModelConfig c = parse("--out", "x", "--variant", "layershuffle-position", "--slot-table", "per-block")
                .resolve(base, CLASSES);
        assertThat(c.slotTable()).isEqualTo(SlotTable.PER_BLOCK);
        ModelConfig perBlock = base.toBuilder().slotTable(SlotTable.PER_BLOCK).build();
        assertThat(parse("--out", "x", "--variant", "layershuffle-position").resolve(perBlock, CLASSES).slotTable())
                .as("without the flag a fine-tune keeps its base's form").isEqualTo(SlotTable.PER_BLOCK);
    }

    @Test
    void unknownFormsNameTheValidChoices() {
        assertThatThrownBy(() -> parse("--out", "x", "--variant", "layershuffle-position", "--slot-table",
                "global").resolve(null, CLASSES)).hasMessageContaining("'global'").hasMessageContaining("shared")
                .hasMessageContaining("per-block");
        assertThatThrownBy(() -> parse("--out", "x", "--variant", "layershuffle-predict",
                "--predict-loss-reduction", "max").resolve(null, CLASSES)).hasMessageContaining("'max'")
                .hasMessageContaining("mean").hasMessageContaining("sum");
    }

    @Test
    void aFlagForAnotherVariantIsRefused() {
        assertThatThrownBy(() -> parse("--out", "x", "--variant", "layershuffle", "--slot-table", "per-block")
                .resolve(null, CLASSES)).hasMessageContaining("--slot-table").hasMessageContaining(
                        "layershuffle-position").hasMessageContaining("--variant layershuffle");
        assertThatThrownBy(() -> parse("--out", "x", "--variant", "layershuffle-position",
                "--predict-loss-reduction", "sum").resolve(null, CLASSES))
                .hasMessageContaining("--predict-loss-reduction").hasMessageContaining("layershuffle-predict");
    }

    @Test
    void helpAndCompletionListTheChoices() {
        CommandLine cl = new CommandLine(new TrainCommand());
        assertThat(cl.getCommandSpec().findOption("--slot-table").completionCandidates())
                .containsExactly("shared", "per-block");
        assertThat(cl.getCommandSpec().findOption("--predict-loss-reduction").completionCandidates())
                .containsExactly("mean", "sum");
        LayerShuffleCliTest.Run help = LayerShuffleCliTest.run("train", "--help");
        assertThat(help.out().replaceAll("\\s+", " ")).contains("--slot-table=FORM").contains("shared, per-block")
                .contains("--predict-loss-reduction=FORM").contains("mean, sum");
    }

    @Test
    void trainWritesThePerBlockFormAndSaysWhyABadOneFails() throws IOException {
        Path data = LayerShuffleCliTest.imageTree(dir.resolve("data"), 4);
        Path out = dir.resolve("run");
        LayerShuffleCliTest.Run t = LayerShuffleCliTest.run("train", "--data", data.toString(), "--image-size", "8",
                "--patch-size", "4", "--width", "16", "--depth", "3", "--heads", "2", "--mlp-width", "32",
                "--variant", "layershuffle-position", "--slot-table", "per-block", "--epochs", "1",
                "--batch-size", "8", "--test-seeds", "0", "--quiet", "--out", out.toString());
        assertThat(t.code()).as(t.err()).isZero();
        Checkpoint best = Checkpoint.read(out.resolve("best.safetensors"));
        assertThat(best.config().slotTable()).isEqualTo(SlotTable.PER_BLOCK);
        assertThat(best.tensors()).containsKey(VitLayout.block(2) + "pos.embed")
                .doesNotContainKey(VitLayout.SLOT_TABLE);

        Path init = dir.resolve("base.safetensors");
        ModelCheckpoints.fresh(LayerShuffleCliTest.tinyConfig(Variant.BASELINE), 1).write(init);
        LayerShuffleCliTest.Run bad = LayerShuffleCliTest.run("train", "--data", data.toString(), "--init",
                init.toString(), "--variant", "layershuffle-predict", "--predict-loss-reduction", "median",
                "--epochs", "1", "--quiet", "--out", dir.resolve("bad").toString());
        assertThat(bad.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(bad.err()).contains("unknown loss reduction 'median'").contains("[mean, sum]");
    }
}
