package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.onnx.export.OnnxExporter;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Loads real exports of {@link OnnxExporter} (a random tiny ViT per variant) and checks the composed sessions
 * against the export's own whole-model graph {@code model.onnx}, within an absolute 1e-4.
 *
 * <p>A plan is checked without a second ViT implementation: the checkpoint whose block {@code s} is block
 * {@code plan[s]} of the original computes, run sequentially, exactly what the original computes under the plan
 * (a -position block looks its embedding up by slot, which is {@code s} in both). So the original export run
 * under the plan must match the permuted export's {@code model.onnx}.
 */
class RealExportTest {
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    static ModelConfig config(Variant variant, int depth) {
        return ModelConfig.builder().imageSize(8).channels(1).patchSize(4).width(16).depth(depth).heads(2)
                .mlpWidth(24).classes(4).variant(variant).positionEmbeddingWidth(6)
                .labels(List.of("a", "b", "c", "d")).pixelMean(List.of(0.3)).pixelStd(List.of(0.6)).build();
    }

    static Checkpoint checkpoint(ModelConfig config, String family, long seed) {
        Random rnd = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : VitLayout.shapes(config).entrySet()) {
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(Tensor.elementCount(shape))];
            boolean normWeight = e.getKey().contains("norm") && e.getKey().endsWith(".weight");
            double scale = shape.length >= 2 ? 1 / Math.sqrt(Tensor.elementCount(shape) / shape[0]) : 0.5;
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((normWeight ? 1 : 0) + rnd.nextGaussian() * (normWeight ? 0.1 : scale));
            }
            tensors.put(e.getKey(), new Tensor(e.getKey(), shape, data));
        }
        return new Checkpoint(config, family, Map.of(), tensors);
    }

    /** The checkpoint whose block {@code s} is block {@code plan.block(s)} of {@code c}, with plan.size() blocks. */
    static Checkpoint permuted(Checkpoint c, ExecutionPlan plan) {
        ModelConfig config = c.config().toBuilder().depth(plan.size()).build();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (String name : VitLayout.shapes(config).keySet()) {
            String source = name;
            if (name.startsWith("blocks.")) {
                int slot = Integer.parseInt(name.substring(7, name.indexOf('.', 7)));
                source = VitLayout.block(plan.block(slot)) + name.substring(VitLayout.block(slot).length());
            }
            tensors.put(name, c.tensor(source).renamed(name));
        }
        return new Checkpoint(config, c.family(), Map.of(), tensors);
    }

    static float[][] fullModel(Path export, float[][][][] images) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[] flat = TestExport.flatten(images);
        long[] shape = {images.length, images[0].length, images[0][0].length, images[0][0][0].length};
        try (OrtSession full = env.createSession(export.resolve("model.onnx").toString());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), shape);
             OrtSession.Result r = full.run(Map.of("pixels", in))) {
            return (float[][]) r.get(0).getValue();
        }
    }

    static double maxDifference(float[][] x, float[][] y) {
        double max = 0;
        for (int n = 0; n < x.length; n++) {
            for (int k = 0; k < x[n].length; k++) {
                max = Math.max(max, Math.abs(x[n][k] - y[n][k]));
            }
        }
        return max;
    }

    static void assertClose(float[][] actual, float[][] expected, String what) {
        assertThat(actual.length).isEqualTo(expected.length);
        for (int n = 0; n < expected.length; n++) {
            for (int k = 0; k < expected[n].length; k++) {
                assertThat((double) actual[n][k]).as("%s [%d][%d]", what, n, k)
                        .isCloseTo(expected[n][k], within(TOLERANCE));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void realExportMatchesItsWholeModelGraphUnderEveryPlan(Variant variant) throws Exception {
        Checkpoint ckpt = checkpoint(config(variant, 3), "fam", 40 + variant.ordinal());
        OnnxExporter exporter = OnnxExporter.builder().optFullModel(true).build();
        Path dir = exporter.export(ckpt, tmp.resolve("orig"));
        float[][][][] images = TestExport.images(ckpt.config(), 3, 2);
        try (LayerShuffleModel model = LayerShuffleModel.load(dir)) {
            assertThat(model.family()).isEqualTo("fam");
            Prediction sequential = model.predict(images);
            assertClose(sequential.logits(), fullModel(dir, images), "sequential");
            assertThat(sequential.hasSlotPredictions()).isEqualTo(variant.predictsPosition());
            for (ExecutionPlan plan : List.of(ExecutionPlan.of(3, 2, 0, 1), ExecutionPlan.of(3, 1, 2, 0))) {
                Path permuted = exporter.export(permuted(ckpt, plan), tmp.resolve("perm-" + plan.toArray()[0]));
                Prediction p = model.predict(images, plan);
                assertClose(p.logits(), fullModel(permuted, images), "plan " + plan);
                assertThat(maxDifference(p.logits(), sequential.logits())).as("order changes the logits")
                        .isGreaterThan(1e-3);
                if (variant.predictsPosition()) {
                    try (LayerShuffleModel perm = LayerShuffleModel.load(permuted)) {
                        float[][][] want = perm.predict(images).positionLogits();
                        float[][][] have = p.positionLogits();
                        for (int slot = 0; slot < 3; slot++) {
                            assertClose(have[slot], want[slot], "position logits of slot " + slot);
                        }
                    }
                }
            }
        }
    }

    @Test
    void keptBlocksMatchAShallowerWholeModel() throws Exception {
        Checkpoint ckpt = checkpoint(config(Variant.LAYERSHUFFLE, 4), "fam", 7);
        OnnxExporter exporter = OnnxExporter.builder().optFullModel(true).build();
        Path dir = exporter.export(ckpt, tmp.resolve("orig"));
        ExecutionPlan plan = ExecutionPlan.of(4, 3, 1);
        Path shallow = exporter.export(permuted(ckpt, plan), tmp.resolve("shallow"));
        float[][][][] images = TestExport.images(ckpt.config(), 2, 3);
        try (LayerShuffleModel model = LayerShuffleModel.load(dir)) {
            assertClose(model.predict(images, plan).logits(), fullModel(shallow, images), "keep " + plan);
        }
    }

    @Test
    void frankensteinOfTwoRealExportsMatchesTheMergedCheckpoint() throws Exception {
        ModelConfig config = config(Variant.LAYERSHUFFLE, 3);
        Checkpoint a = checkpoint(config, "fam", 1);
        Checkpoint b = checkpoint(config, "fam", 2);
        OnnxExporter exporter = OnnxExporter.builder().optFullModel(true).build();
        Path dirA = exporter.export(a, tmp.resolve("a"));
        Path dirB = exporter.export(b, tmp.resolve("b"));
        // merged checkpoint: stem of a, blocks b1, a0, b1, head of b
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        ModelConfig mergedConfig = config;
        Checkpoint[] slotSource = {b, a, b};
        int[] slotBlock = {1, 0, 1};
        for (String name : VitLayout.shapes(mergedConfig).keySet()) {
            Tensor t;
            if (name.startsWith("stem.")) {
                t = a.tensor(name);
            } else if (name.startsWith("head.")) {
                t = b.tensor(name);
            } else {
                int slot = Integer.parseInt(name.substring(7, name.indexOf('.', 7)));
                t = slotSource[slot].tensor(VitLayout.block(slotBlock[slot])
                        + name.substring(VitLayout.block(slot).length())).renamed(name);
            }
            tensors.put(name, t);
        }
        Path merged = exporter.export(new Checkpoint(mergedConfig, "fam", Map.of(), tensors), tmp.resolve("m"));
        float[][][][] images = TestExport.images(config, 2, 4);
        try (LayerShuffleModel model = LayerShuffleModel.compose().stem(dirA).slot(dirB, 1).slot(dirA, 0)
                .slot(dirB, 1).head(dirB).build()) {
            assertClose(model.predict(images).logits(), fullModel(merged, images), "frankenstein");
        }
    }
}
