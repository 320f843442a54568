package io.github.layershuffle.train.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.training.LearningRateSchedule;
import io.github.layershuffle.train.training.TrainingOptions;
import io.github.layershuffle.train.training.VitTrainer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * LayerShuffle-position with one slot table shared by all blocks, as the authors' code: a single parameter,
 * read by every block at the slot it runs in, that gets the gradient of every slot.
 */
class SharedSlotTableTest {
    private static final int BATCH = 4;
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static ModelConfig config(SlotTable table) {
        return TestModels.tiny(Variant.LAYERSHUFFLE_POSITION).toBuilder().slotTable(table).build();
    }

    /** The per-block twin of a shared-table checkpoint: every block's own table is a copy of the shared one. */
    private static Checkpoint perBlockTwin(Checkpoint shared) {
        ModelConfig config = shared.config().toBuilder().slotTable(SlotTable.PER_BLOCK).build();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : VitLayout.shapes(config).keySet()) {
            Tensor t = name.endsWith(".pos.embed") ? shared.tensor(VitLayout.SLOT_TABLE) : shared.tensor(name);
            tensors.put(name, t.renamed(name));
        }
        return new Checkpoint(config, shared.family(), Map.of(), tensors);
    }

    /** Gradients, by tensor name, of the sum of the logits under {@code plan}. */
    private Map<String, float[]> gradients(VisionTransformer vit, ExecutionPlan plan, String... names) {
        NDArray x = manager.create(TestModels.randomPixels(vit.config(), BATCH, 3),
                new Shape(BATCH, vit.config().channels(), vit.config().imageSize(), vit.config().imageSize()));
        ParameterStore ps = new ParameterStore(manager, false);
        try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
            gc.backward(vit.forward(ps, x, plan, true).logits().sum());
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : names) {
            out.put(name, vit.namedParameters().get(name).getArray().getGradient().toFloatArray());
        }
        return out;
    }

    private static double rowNorm(float[] table, int row, int width) {
        double s = 0;
        for (int j = 0; j < width; j++) {
            s += table[row * width + j] * table[row * width + j];
        }
        return Math.sqrt(s);
    }

    @Test
    void oneTableIsAParameterOfTheModelNotOfTheBlocks() {
        VisionTransformer vit = VisionTransformer.newInstance(config(SlotTable.SHARED), 1, manager);
        assertThat(vit.namedParameters()).containsKey(VitLayout.SLOT_TABLE);
        assertThat(vit.namedParameters().keySet()).noneMatch(n -> n.endsWith(".pos.embed"));
        assertThat(vit.getParameters().values().stream().filter(p -> p.getName().equals(VitLayout.SLOT_TABLE)))
                .as("registered once").hasSize(1);
        assertThat(vit.namedParameters().get(VitLayout.SLOT_TABLE).getArray().getShape())
                .isEqualTo(new Shape(3, 4));
    }

    @Test
    void theSharedTableGetsTheGradientOfEverySlot() {
        Checkpoint shared = TestModels.randomCheckpoint(config(SlotTable.SHARED), 7);
        Checkpoint perBlock = perBlockTwin(shared);
        ExecutionPlan plan = ExecutionPlan.of(3, 2, 0, 1);
        int f = shared.config().positionEmbeddingWidth();

        float[] sharedGrad = gradients(ModelCheckpoints.newModel(shared, manager), plan, VitLayout.SLOT_TABLE)
                .get(VitLayout.SLOT_TABLE);
        Map<String, float[]> own = gradients(ModelCheckpoints.newModel(perBlock, manager), plan,
                "blocks.0.pos.embed", "blocks.1.pos.embed", "blocks.2.pos.embed");
        for (int slot = 0; slot < 3; slot++) {
            assertThat(rowNorm(sharedGrad, slot, f)).as("row of slot %d", slot).isGreaterThan(1e-4);
            // the block in that slot is the only one that reads the row: its own table's gradient, in the twin
            float[] ownGrad = own.get("blocks." + plan.block(slot) + ".pos.embed");
            for (int j = 0; j < f; j++) {
                assertThat(sharedGrad[slot * f + j]).isCloseTo(ownGrad[slot * f + j],
                        org.assertj.core.api.Assertions.within(1e-5f));
            }
            for (int other = 0; other < 3; other++) {
                if (other != plan.block(slot)) {
                    float[] g = own.get("blocks." + other + ".pos.embed");
                    assertThat(rowNorm(g, slot, f)).as("block %d never ran in slot %d", other, slot).isZero();
                }
            }
        }
        // a pruned plan fills slots 0 and 1 only: the row of slot 2 gets nothing
        float[] pruned = gradients(ModelCheckpoints.newModel(shared, manager), ExecutionPlan.of(3, 1, 2),
                VitLayout.SLOT_TABLE).get(VitLayout.SLOT_TABLE);
        assertThat(rowNorm(pruned, 0, f)).isGreaterThan(1e-4);
        assertThat(rowNorm(pruned, 1, f)).isGreaterThan(1e-4);
        assertThat(rowNorm(pruned, 2, f)).isZero();
    }

    @Test
    void sharedAndPerBlockCopiesComputeTheSame() {
        Checkpoint shared = TestModels.randomCheckpoint(config(SlotTable.SHARED), 8);
        VisionTransformer a = ModelCheckpoints.newModel(shared, manager);
        VisionTransformer b = ModelCheckpoints.newModel(perBlockTwin(shared), manager);
        NDArray x = manager.create(TestModels.randomPixels(shared.config(), BATCH, 4),
                new Shape(BATCH, 2, 8, 8));
        for (ExecutionPlan plan : List.of(ExecutionPlan.of(3, 2, 0, 1), ExecutionPolicy.random(5).keep(2).plan(3))) {
            float[] la = a.predict(x, plan).logits().toFloatArray();
            float[] lb = b.predict(x, plan).logits().toFloatArray();
            assertThat(la).containsExactly(lb, org.assertj.core.api.Assertions.within(1e-6f));
        }
    }

    @Test
    void aTrainingStepMovesEveryRowOfTheFreshTable() {
        VisionTransformer vit = VisionTransformer.newInstance(config(SlotTable.SHARED), 2, manager);
        NDArray x = manager.create(TestModels.randomPixels(vit.config(), BATCH, 5), new Shape(BATCH, 2, 8, 8));
        NDArray y = manager.create(new float[] {0, 1, 2, 3});
        TrainingOptions options = TrainingOptions.builder().seed(1).devices(List.of(Device.cpu())).build();
        try (VitTrainer trainer = VitTrainer.create(vit, options, LearningRateSchedule.constant(1e-3))) {
            trainer.step(x, y, ExecutionPlan.of(3, 1, 2, 0));
        }
        float[] table = vit.namedParameters().get(VitLayout.SLOT_TABLE).getArray().toFloatArray();
        for (int slot = 0; slot < 3; slot++) {
            assertThat(rowNorm(table, slot, 4)).as("row of slot %d left zero", slot).isGreaterThan(1e-5);
        }
    }
}
