package io.github.layershuffle.train.parity;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.Prediction;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.eval.CheckpointMerge;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.model.VitOutput;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The composed ONNX Runtime model and the DJL model of one checkpoint compute the same logits, for every
 * variant and plan: sequential, reversed, random orders, pruned to 3/6/9 blocks, and a Frankenstein model of
 * two exports. Tolerance: 1e-4 absolute on logits (float32 on both sides, different kernels).
 *
 * <p>Weights are drawn wider than a fresh initialisation (std 0.2, LayerNorm scales around 1) so that every
 * block changes the tokens visibly and a wrong order or a wrong block cannot hide under the tolerance.
 */
class OrtDjlParityTest {
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path dir;

    static ModelConfig config(Variant variant) {
        return ModelConfig.builder().imageSize(8).patchSize(4).channels(3).width(16).heads(2).depth(12)
                .mlpWidth(32).classes(5).positionEmbeddingWidth(4).variant(variant)
                .pixelMean(List.of(0.4, 0.5, 0.6)).pixelStd(List.of(0.2, 0.25, 0.3)).build();
    }

    static Checkpoint randomCheckpoint(ModelConfig config, String family, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        VitLayout.shapes(config).forEach((name, shape) -> {
            float[] data = new float[(int) Tensor.elementCount(shape)];
            boolean scale = name.endsWith("norm1.weight") || name.endsWith("norm2.weight")
                    || name.endsWith("norm.weight");
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((scale ? 1.0 : 0.0) + 0.2 * r.nextGaussian());
            }
            tensors.put(name, new Tensor(name, shape, data));
        });
        return new Checkpoint(config, family, Map.of(), tensors);
    }

    static float[][][][] pixels(ModelConfig c, int batch, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][][][] x = new float[batch][c.channels()][c.imageSize()][c.imageSize()];
        for (float[][][] image : x) {
            for (float[][] channel : image) {
                for (float[] row : channel) {
                    for (int i = 0; i < row.length; i++) {
                        row[i] = (float) r.nextDouble();
                    }
                }
            }
        }
        return x;
    }

    static List<ExecutionPlan> plans(int depth) {
        List<ExecutionPlan> plans = new ArrayList<>();
        plans.add(ExecutionPolicy.sequential().plan(depth));
        plans.add(ExecutionPolicy.reversed().plan(depth));
        for (long seed = 1; seed <= 3; seed++) {
            plans.add(ExecutionPolicy.random(seed).plan(depth));
        }
        for (int k : new int[] {3, 6, 9}) {
            plans.add(ExecutionPolicy.sequential().keep(k).plan(depth));
            plans.add(ExecutionPolicy.random(k).keep(k).plan(depth));
        }
        return plans;
    }

    private static float[][] djlLogits(VisionTransformer vit, NDManager manager, float[][][][] x,
                                       ExecutionPlan plan, List<float[][]> slotLogits) {
        NDArray pixels = manager.create(flatten(x), new Shape(x.length, x[0].length, x[0][0].length,
                x[0][0][0].length));
        VitOutput out = vit.predict(pixels, plan);
        float[] flat = out.logits().toFloatArray();
        int classes = (int) out.logits().getShape().get(1);
        if (out.hasPositionLogits() && slotLogits != null) {
            long[] s = out.positionLogits().getShape().getShape();   // [slots, B, L]
            float[] p = out.positionLogits().toFloatArray();
            for (int slot = 0; slot < s[0]; slot++) {
                float[][] perSlot = new float[(int) s[1]][(int) s[2]];
                for (int b = 0; b < s[1]; b++) {
                    System.arraycopy(p, (int) ((slot * s[1] + b) * s[2]), perSlot[b], 0, (int) s[2]);
                }
                slotLogits.add(perSlot);
            }
        }
        float[][] logits = new float[x.length][classes];
        for (int b = 0; b < x.length; b++) {
            System.arraycopy(flat, b * classes, logits[b], 0, classes);
        }
        return logits;
    }

    private static float[] flatten(float[][][][] x) {
        int c = x[0].length;
        int h = x[0][0].length;
        int w = x[0][0][0].length;
        float[] flat = new float[x.length * c * h * w];
        int i = 0;
        for (float[][][] image : x) {
            for (float[][] channel : image) {
                for (float[] row : channel) {
                    System.arraycopy(row, 0, flat, i, w);
                    i += w;
                }
            }
        }
        return flat;
    }

    private static double maxAbsDiff(float[][] a, float[][] b) {
        assertThat(a.length).isEqualTo(b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).hasSameSizeAs(b[i]);
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void composedOrtLogitsEqualDjlLogitsForEveryPlan(Variant variant) {
        ModelConfig config = config(variant);
        Checkpoint ckpt = randomCheckpoint(config, "fam", 11);
        Path export = OnnxExporter.create().export(ckpt, dir.resolve("export"));
        float[][][][] x = pixels(config, 4, 5);
        try (NDManager manager = NDManager.newBaseManager();
             LayerShuffleModel ort = LayerShuffleModel.load(export)) {
            VisionTransformer vit = ModelCheckpoints.newModel(ckpt, manager);
            float[][] sequential = null;
            for (ExecutionPlan plan : plans(config.depth())) {
                List<float[][]> djlSlots = new ArrayList<>();
                float[][] djl = djlLogits(vit, manager, x, plan, djlSlots);
                Prediction p = ort.predict(x, plan);
                assertThat(p.plan()).isEqualTo(plan);
                assertThat(maxAbsDiff(p.logits(), djl)).as("%s plan %s", variant, plan).isLessThan(TOLERANCE);
                if (variant.predictsPosition()) {
                    for (int slot = 0; slot < plan.size(); slot++) {
                        assertThat(maxAbsDiff(p.positionLogits()[slot], djlSlots.get(slot)))
                                .as("slot %d logits of plan %s", slot, plan).isLessThan(TOLERANCE);
                    }
                }
                if (plan.isSequential()) {
                    sequential = djl;
                } else {
                    // the order matters: otherwise this parity would not show the plan was honoured
                    assertThat(maxAbsDiff(djl, sequential)).as("plan %s vs sequential", plan).isGreaterThan(1e-3);
                }
            }
        }
    }

    /**
     * Block i of the merged model comes from model (i % 2), reversed and interleaved; the DJL side loads the
     * {@link CheckpointMerge} of the same slots. Model a shares one slot table, model b has one per block: every
     * merged block keeps its own model's table, in the export (a copy in each block graph) as in the merge.
     */
    @Test
    void frankensteinOfTwoExportsMatchesDjlOnTheMergedCheckpoint() {
        ModelConfig config = config(Variant.LAYERSHUFFLE_POSITION);
        Checkpoint a = randomCheckpoint(config, "fam", 1);
        Checkpoint b = randomCheckpoint(config.toBuilder().slotTable(SlotTable.PER_BLOCK).build(), "fam", 2);
        Path exportA = OnnxExporter.create().export(a, dir.resolve("a"));
        Path exportB = OnnxExporter.create().export(b, dir.resolve("b"));

        List<CheckpointMerge.Slot> slots = new ArrayList<>();
        var composer = LayerShuffleModel.compose().stem(exportA).head(exportA);
        for (int slot = 0; slot < config.depth(); slot++) {
            int source = slot % 2;
            int block = config.depth() - 1 - slot;
            slots.add(new CheckpointMerge.Slot(source, block));
            composer.slot(source == 0 ? exportA : exportB, block);
        }
        Checkpoint mergedCkpt = CheckpointMerge.merge(List.of(new CheckpointMerge.Source("a", a),
                new CheckpointMerge.Source("b", b)), slots);
        float[][][][] x = pixels(config, 3, 9);
        try (NDManager manager = NDManager.newBaseManager(); LayerShuffleModel ort = composer.build()) {
            VisionTransformer vit = ModelCheckpoints.newModel(mergedCkpt, manager);
            for (ExecutionPlan plan : plans(config.depth())) {
                float[][] djl = djlLogits(vit, manager, x, plan, null);
                assertThat(maxAbsDiff(ort.predict(x, plan).logits(), djl)).as("plan %s", plan)
                        .isLessThan(TOLERANCE);
            }
        }
    }

    /** A -position model with one slot table per block (the earlier form) exports and matches DJL too. */
    @Test
    void perBlockSlotTablesMatchDjlForEveryPlan() {
        ModelConfig config = config(Variant.LAYERSHUFFLE_POSITION).toBuilder().slotTable(SlotTable.PER_BLOCK).build();
        Checkpoint ckpt = randomCheckpoint(config, "fam", 12);
        Path export = OnnxExporter.create().export(ckpt, dir.resolve("per-block"));
        float[][][][] x = pixels(config, 4, 6);
        try (NDManager manager = NDManager.newBaseManager();
             LayerShuffleModel ort = LayerShuffleModel.load(export)) {
            VisionTransformer vit = ModelCheckpoints.newModel(ckpt, manager);
            for (ExecutionPlan plan : plans(config.depth())) {
                assertThat(maxAbsDiff(ort.predict(x, plan).logits(), djlLogits(vit, manager, x, plan, null)))
                        .as("plan %s", plan).isLessThan(TOLERANCE);
            }
        }
    }
}
