package io.github.layershuffle.train.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class VisionTransformerTest {
    /** float32 DJL against the double-precision reference: observed error is ~1e-6. */
    private static final double TOLERANCE = 2e-5;
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void parameterNamesAndShapesAreThoseOfTheCheckpointLayout(Variant variant) {
        ModelConfig config = TestModels.tiny(variant);
        VisionTransformer vit = VisionTransformer.newInstance(config, 1, manager);
        Map<String, long[]> actual = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : vit.namedParameters().entrySet()) {
            actual.put(e.getKey(), e.getValue().getArray().getShape().getShape());
        }
        assertThat(actual.keySet()).containsExactlyElementsOf(VitLayout.shapes(config).keySet());
        VitLayout.shapes(config).forEach((name, shape) -> assertThat(actual.get(name)).as(name).isEqualTo(shape));
    }

    @Test
    void freshSlotEmbeddingIsZeroAndNormsAreIdentity() {
        VisionTransformer vit = VisionTransformer.newInstance(TestModels.tiny(Variant.LAYERSHUFFLE_POSITION), 3,
                manager);
        assertThat(vit.namedParameters().get(VitLayout.SLOT_TABLE).getArray().toFloatArray()).containsOnly(0f);
        VisionTransformer perBlock = VisionTransformer.newInstance(TestModels.tiny(Variant.LAYERSHUFFLE_POSITION)
                .toBuilder().slotTable(io.github.layershuffle.api.SlotTable.PER_BLOCK).build(), 3, manager);
        assertThat(perBlock.namedParameters().get("blocks.1.pos.embed").getArray().toFloatArray()).containsOnly(0f);
        assertThat(vit.namedParameters().get("blocks.1.norm1.weight").getArray().toFloatArray()).containsOnly(1f);
        float[] qkv = vit.namedParameters().get("blocks.1.attn.qkv.weight").getArray().toFloatArray();
        for (float v : qkv) {
            assertThat(Math.abs(v)).isLessThanOrEqualTo(0.04f);
        }
        double meanSquare = 0;
        for (float v : qkv) {
            meanSquare += v * v / qkv.length;
        }
        // a normal of std 0.02 truncated at 2 std has std ~0.0176
        assertThat(Math.sqrt(meanSquare)).isBetween(0.015, 0.020);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void forwardComputesWhatFormatsMdSpecifies(Variant variant) {
        ModelConfig config = TestModels.tiny(variant);
        Checkpoint weights = TestModels.randomCheckpoint(config, 11);
        VisionTransformer vit = ModelCheckpoints.newModel(weights, manager);
        int batch = 3;
        float[] px = TestModels.randomPixels(config, batch, 5);
        ExecutionPlan plan = ExecutionPlan.of(3, 2, 0);   // block 2 in slot 0, block 0 in slot 1, block 1 pruned
        VitOutput out = vit.predict(manager.create(px, vit.inputShape(batch)), plan);

        assertThat(out.logits().getShape()).isEqualTo(new Shape(batch, config.classes()));
        ReferenceVit ref = new ReferenceVit(weights);
        float[] logits = out.logits().toFloatArray();
        float[] slots = out.hasPositionLogits() ? out.positionLogits().toFloatArray() : null;
        assertThat(out.hasPositionLogits()).isEqualTo(variant.predictsPosition());
        if (slots != null) {
            assertThat(out.positionLogits().getShape()).isEqualTo(new Shape(2, batch, config.depth()));
        }
        for (int b = 0; b < batch; b++) {
            double[][] refSlots = new double[plan.size()][];
            double[] expected = ref.forward(px, b, plan, slots != null ? refSlots : null);
            for (int k = 0; k < config.classes(); k++) {
                assertThat((double) logits[b * config.classes() + k]).isCloseTo(expected[k], within(TOLERANCE));
            }
            for (int s = 0; slots != null && s < plan.size(); s++) {
                for (int l = 0; l < config.depth(); l++) {
                    assertThat((double) slots[(s * batch + b) * config.depth() + l])
                            .isCloseTo(refSlots[s][l], within(TOLERANCE));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Variant.class, names = {"LAYERSHUFFLE", "LAYERSHUFFLE_POSITION", "LAYERSHUFFLE_PREDICT"})
    void shuffledForwardEqualsItsBlocksComposedByHand(Variant variant) {
        ModelConfig config = TestModels.tiny(variant);
        VisionTransformer vit = ModelCheckpoints.newModel(TestModels.randomCheckpoint(config, 2), manager);
        NDArray pixels = manager.create(TestModels.randomPixels(config, 2, 9), vit.inputShape(2));
        ExecutionPlan plan = ExecutionPolicy.random(123).plan(config.depth());
        ParameterStore ps = new ParameterStore(manager, false);

        VitOutput whole = vit.forward(ps, pixels, plan, false);

        NDList x = new NDList(vit.embed(ps, pixels, false));
        for (int slot = 0; slot < plan.size(); slot++) {
            x = vit.block(plan.block(slot)).apply(ps, x, slot, false);
        }
        NDArray logits = vit.classify(ps, x.head(), false);
        assertThat(whole.logits().toFloatArray()).containsExactly(logits.toFloatArray());
        assertThat(x.size()).isEqualTo(variant.predictsPosition() ? 1 + plan.size() : 1);
        for (int s = 1; s < x.size(); s++) {
            assertThat(whole.positionLogits().get(s - 1).toFloatArray()).containsExactly(x.get(s).toFloatArray());
        }
        // and through the api's BlockSequence, the one place blocks are executed
        NDList viaSequence = vit.blocks(ps, false).run(new NDList(vit.embed(ps, pixels, false)), plan);
        assertThat(viaSequence.head().toFloatArray()).containsExactly(x.head().toFloatArray());
    }

    @Test
    void orderMattersForTheOutput() {
        ModelConfig config = TestModels.tiny(Variant.LAYERSHUFFLE_POSITION);
        VisionTransformer vit = ModelCheckpoints.newModel(TestModels.randomCheckpoint(config, 4), manager);
        NDArray pixels = manager.create(TestModels.randomPixels(config, 1, 1), vit.inputShape(1));
        float[] a = vit.predict(pixels, ExecutionPlan.of(3, 0, 1, 2)).logits().toFloatArray();
        float[] b = vit.predict(pixels, ExecutionPlan.of(3, 1, 0, 2)).logits().toFloatArray();
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void djlBlockForwardTakesThePlanFromParamsAndDefaultsToSequential() {
        ModelConfig config = TestModels.tiny(Variant.LAYERSHUFFLE_PREDICT);
        VisionTransformer vit = ModelCheckpoints.newModel(TestModels.randomCheckpoint(config, 8), manager);
        NDArray pixels = manager.create(TestModels.randomPixels(config, 2, 3), vit.inputShape(2));
        ParameterStore ps = new ParameterStore(manager, false);
        ExecutionPlan plan = ExecutionPlan.of(3, 1, 2);
        PairList<String, Object> params = new PairList<>();
        params.add(VisionTransformer.PLAN, plan);

        NDList out = vit.forward(ps, new NDList(pixels), false, params);
        assertThat(out).hasSize(2);
        assertThat(out.get(0).toFloatArray()).containsExactly(vit.predict(pixels, plan).logits().toFloatArray());
        assertThat(out.get(1).getShape()).isEqualTo(new Shape(2, 2, 3));
        assertThat(vit.getOutputShapes(new Shape[] {vit.inputShape(2)})[1]).isEqualTo(new Shape(3, 2, 3));

        NDList sequential = vit.forward(ps, new NDList(pixels), false, null);
        assertThat(sequential.get(0).toFloatArray())
                .containsExactly(vit.predict(pixels, ExecutionPlan.sequential(3)).logits().toFloatArray());
    }

    @Test
    void badInputsAreRefusedWithTheShapeOrPlanAtFault() {
        ModelConfig config = TestModels.tiny(Variant.BASELINE);
        VisionTransformer vit = VisionTransformer.newInstance(config, 1, manager);
        NDArray wrong = manager.zeros(new Shape(1, 3, 8, 8));
        assertThatThrownBy(() -> vit.predict(wrong, ExecutionPlan.sequential(3)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(1, 3, 8, 8)")
                .hasMessageContaining("[batch, 2, 8, 8]");
        NDArray pixels = manager.zeros(vit.inputShape(1));
        assertThatThrownBy(() -> vit.predict(pixels, ExecutionPlan.sequential(4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4 blocks");
        ParameterStore ps = new ParameterStore(manager, false);
        NDList tokens = new NDList(vit.embed(ps, pixels, false));
        assertThatThrownBy(() -> vit.block(0).apply(ps, tokens, 3, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("slot 3");
    }

    /**
     * Regression: predict left every intermediate array of the pass in the caller's manager (a DJL result
     * belongs to the manager of its input), so a loop of predictions grew memory until the manager closed and
     * ran 10x slower. Only the outputs may stay.
     */
    @ParameterizedTest
    @EnumSource(value = Variant.class, names = {"BASELINE", "LAYERSHUFFLE_PREDICT"})
    void predictLeavesOnlyItsOutputsInTheCallersManager(Variant variant) {
        ModelConfig config = TestModels.tiny(variant);
        try (NDManager caller = manager.newSubManager()) {
            VisionTransformer vit = VisionTransformer.newInstance(config, 1, manager);
            NDArray pixels = caller.randomUniform(0, 1, vit.inputShape(2));
            int before = caller.getManagedArrays().size();
            VitOutput out = vit.predict(pixels, ExecutionPlan.sequential(config.depth()));
            int outputs = out.hasPositionLogits() ? 2 : 1;
            assertThat(caller.getManagedArrays()).hasSize(before + outputs);
            assertThat(out.logits().getShape().get(0)).isEqualTo(2);
        }
    }
}
