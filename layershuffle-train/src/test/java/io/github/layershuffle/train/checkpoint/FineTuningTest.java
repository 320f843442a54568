package io.github.layershuffle.train.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.train.model.Initialization;
import io.github.layershuffle.train.model.TestModels;
import org.junit.jupiter.api.Test;

class FineTuningTest {

    @Test
    void baselineToPositionKeepsEveryBaseTensorAndAddsZeroSlotEmbeddings() {
        Checkpoint base = TestModels.randomCheckpoint(TestModels.tiny(Variant.BASELINE), 3);
        ModelConfig target = base.config().withVariant(Variant.LAYERSHUFFLE_POSITION);
        Checkpoint start = FineTuning.adapt(base, target, FineTuning.Head.KEEP, 9);

        assertThat(start.family()).isEqualTo(base.family());
        assertThat(start.config()).isEqualTo(target);
        assertThat(start.tensors().keySet()).containsExactlyElementsOf(VitLayout.shapes(target).keySet());
        base.tensors().forEach((name, t) -> assertThat(start.tensor(name)).isEqualTo(t));
        assertThat(start.tensor(VitLayout.SLOT_TABLE).data()).containsOnly(0f);
        assertThat(start.tensor("blocks.2.pos.norm.weight").data()).containsOnly(1f);
        assertThat(start.tensor("blocks.2.pos.proj.weight"))
                .isEqualTo(Initialization.tensor("blocks.2.pos.proj.weight", new long[] {16, 20}, 9));
        // and it loads into a model of the target variant
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThat(ModelCheckpoints.newModel(start, manager).config().variant())
                    .isEqualTo(Variant.LAYERSHUFFLE_POSITION);
        }
    }

    @Test
    void predictToBaselineDropsThePredictors() {
        Checkpoint source = TestModels.randomCheckpoint(TestModels.tiny(Variant.LAYERSHUFFLE_PREDICT), 3);
        Checkpoint start = FineTuning.adapt(source, source.config().withVariant(Variant.BASELINE),
                FineTuning.Head.KEEP, 1);
        assertThat(start.tensors().keySet()).noneMatch(n -> n.contains("predict"));
        assertThat(start.tensor("blocks.1.mlp.fc2.weight")).isEqualTo(source.tensor("blocks.1.mlp.fc2.weight"));
    }

    @Test
    void headIsReinitialisedOnlyWhenAskedOrWhenClassesDiffer() {
        Checkpoint base = TestModels.randomCheckpoint(TestModels.tiny(Variant.BASELINE), 3);
        ModelConfig sevenClasses = base.config().toBuilder().classes(7).variant(Variant.LAYERSHUFFLE).build();
        assertThatThrownBy(() -> FineTuning.adapt(base, sevenClasses, FineTuning.Head.KEEP, 1))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("4 classes")
                .hasMessageContaining("7");
        Checkpoint seven = FineTuning.adapt(base, sevenClasses, FineTuning.Head.REINITIALIZE_IF_CLASSES_DIFFER, 1);
        assertThat(seven.tensor("head.fc.weight").shape()).containsExactly(7, 16);
        assertThat(seven.tensor("head.fc.bias").data()).containsOnly(0f);
        assertThat(seven.tensor("blocks.0.attn.qkv.weight")).isEqualTo(base.tensor("blocks.0.attn.qkv.weight"));

        ModelConfig same = base.config().withVariant(Variant.LAYERSHUFFLE);
        assertThat(FineTuning.adapt(base, same, FineTuning.Head.REINITIALIZE_IF_CLASSES_DIFFER, 1)
                .tensor("head.fc.weight")).isEqualTo(base.tensor("head.fc.weight"));
        assertThat(FineTuning.adapt(base, same, FineTuning.Head.REINITIALIZE, 1).tensor("head.norm.bias").data())
                .containsOnly(0f);
    }

    @Test
    void structuralChangesAreRefusedNamingTheField() {
        Checkpoint base = TestModels.randomCheckpoint(TestModels.tiny(Variant.BASELINE), 3);
        assertThatThrownBy(() -> FineTuning.adapt(base, base.config().toBuilder().width(32).build(),
                FineTuning.Head.KEEP, 1)).isInstanceOf(LayerShuffleException.class).hasMessageContaining("width")
                .hasMessageContaining("16").hasMessageContaining("32");
        assertThatThrownBy(() -> FineTuning.adapt(base, base.config().toBuilder().heads(4).build(),
                FineTuning.Head.KEEP, 1)).hasMessageContaining("heads");
    }
}
