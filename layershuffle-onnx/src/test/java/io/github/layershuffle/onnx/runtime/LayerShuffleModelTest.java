package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.ModelIdentity;
import io.github.layershuffle.api.Variant;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Runs hand-built exports and compares with the logits computed in Java for the same plan. Tolerance 1e-5:
 * ONNX Runtime sums in float, the reference in double, over at most 16 terms of magnitude ~1.
 */
class LayerShuffleModelTest {
    static final double TOLERANCE = 1e-5;

    @TempDir
    Path tmp;

    static void assertLogits(Prediction p, double[][] expected) {
        float[][] actual = p.logits();
        assertThat(actual.length).isEqualTo(expected.length);
        for (int n = 0; n < expected.length; n++) {
            for (int c = 0; c < expected[n].length; c++) {
                assertThat((double) actual[n][c]).as("logit [%d][%d] under plan %s", n, c, p.plan())
                        .isCloseTo(expected[n][c], within(TOLERANCE));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void everyPolicyRunsItsPlanInOrder(Variant variant) {
        TestExport export = TestExport.of(variant, 11);
        float[][][][] images = TestExport.images(export.config, 3, 5);
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")))) {
            assertThat(model.size()).isEqualTo(4);
            assertLogits(model.predict(images), export.logits(images, ExecutionPlan.sequential(4)));
            for (ExecutionPolicy policy : List.of(ExecutionPolicy.sequential(), ExecutionPolicy.reversed(),
                    ExecutionPolicy.random(42), ExecutionPolicy.fixed(2, 0, 3, 1), ExecutionPolicy.sequential().keep(2),
                    ExecutionPolicy.random(7).keep(3), ExecutionPolicy.fixed(3))) {
                ExecutionPlan expectedPlan = policy.planForPass(4, 0);
                Prediction p = model.predict(images, policy);
                assertThat(p.plan()).as("%s", policy).isEqualTo(expectedPlan);
                assertLogits(p, export.logits(images, expectedPlan));
            }
        }
    }

    @Test
    void orderMattersSoTheTestCanFail() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE, 3);
        float[][][][] images = TestExport.images(export.config, 2, 1);
        double[][] sequential = export.logits(images, ExecutionPlan.sequential(4));
        double[][] reversed = export.logits(images, ExecutionPlan.of(4, 3, 2, 1, 0));
        assertThat(Math.abs(sequential[0][0] - reversed[0][0])).isGreaterThan(1e-3);
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")))) {
            float[][] seq = model.predict(images, ExecutionPolicy.sequential()).logits();
            float[][] rev = model.predict(images, ExecutionPolicy.reversed()).logits();
            assertThat(Math.abs(seq[0][0] - rev[0][0])).isGreaterThan(1e-3f);
        }
    }

    @Test
    void positionVariantFeedsTheSlotNotTheBlockIndex() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE_POSITION, 4);
        float[][][][] images = TestExport.images(export.config, 2, 9);
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")))) {
            ExecutionPlan plan = ExecutionPlan.of(4, 3, 1);
            assertLogits(model.predict(images, plan), export.logits(images, plan));
            // block 3 in slot 0 differs from block 3 in slot 1
            float[][] slot0 = model.predict(images, ExecutionPlan.of(4, 3, 1)).logits();
            float[][] slot1 = model.predict(images, ExecutionPlan.of(4, 1, 3)).logits();
            assertThat(slot0[0][0]).isNotEqualTo(slot1[0][0]);
        }
    }

    @Test
    void predictVariantCollectsPositionLogitsPerSlot() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE_PREDICT, 8);
        float[][][][] images = TestExport.images(export.config, 3, 2);
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")))) {
            ExecutionPlan plan = ExecutionPlan.of(4, 2, 0, 3);
            Prediction p = model.predict(images, plan);
            assertThat(p.hasSlotPredictions()).isTrue();
            float[][][] logits = p.positionLogits();
            assertThat(logits.length).isEqualTo(3);
            double[][][] x = export.stem(images);
            int[][] slots = p.predictedSlots();
            int right = 0;
            for (int slot = 0; slot < plan.size(); slot++) {
                x = export.block(plan.block(slot), slot, x);
                double[][] expected = export.positionLogits(plan.block(slot), x);
                for (int n = 0; n < images.length; n++) {
                    int best = 0;
                    for (int s = 0; s < 4; s++) {
                        assertThat((double) logits[slot][n][s]).isCloseTo(expected[n][s], within(TOLERANCE));
                        best = expected[n][s] > expected[n][best] ? s : best;
                    }
                    assertThat(slots[n][slot]).isEqualTo(best);
                    right += best == slot ? 1 : 0;
                }
            }
            assertThat(p.slotAccuracy()).isCloseTo(right / 9.0, within(1e-12));
        }
    }

    @Test
    void predictionOffersProbabilitiesAndLabelledTopK() {
        TestExport export = TestExport.of(Variant.BASELINE, 1);
        float[][][][] images = TestExport.images(export.config, 2, 3);
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")))) {
            Prediction p = model.predict(images);
            assertThat(p.hasSlotPredictions()).isFalse();
            assertThat(p.batchSize()).isEqualTo(2);
            assertThat(p.classes()).isEqualTo(3);
            float[][] probs = p.probabilities();
            float[][] logits = p.logits();
            for (int n = 0; n < 2; n++) {
                assertThat(probs[n][0] + probs[n][1] + probs[n][2]).isCloseTo(1f, within(1e-6f));
                List<Classification> top = p.topK(n, 3);
                assertThat(top).extracting(Classification::logit).isSortedAccordingTo((x, y) -> Float.compare(y, x));
                assertThat(top.get(0).index()).isEqualTo(p.predictedClasses()[n]);
                assertThat(top.get(0).label()).isEqualTo(List.of("zero", "one", "two").get(top.get(0).index()));
                assertThat(top.get(0).probability()).isEqualTo(probs[n][top.get(0).index()]);
                double e0 = Math.exp(logits[n][0]);
                double sum = e0 + Math.exp(logits[n][1]) + Math.exp(logits[n][2]);
                assertThat((double) probs[n][0]).isCloseTo(e0 / sum, within(1e-6));
            }
            assertThat(p.topK(1)).hasSize(2).allSatisfy(l -> assertThat(l).hasSize(1));
            assertThat(p.predictedLabels()).containsAnyOf("zero", "one", "two");
            assertThat(model.labels()).containsExactly("zero", "one", "two");
        }
    }

    @Test
    void bufferInputMatchesArrayInput() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE, 5);
        float[][][][] images = TestExport.images(export.config, 3, 4);
        float[] flat = TestExport.flatten(images);
        long[] shape = {3, 1, 4, 4};
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")))) {
            ExecutionPlan plan = ExecutionPlan.of(4, 1, 3, 0, 2);
            float[][] expected = model.predict(images, plan).logits();
            assertThat(model.predict(FloatBuffer.wrap(flat), shape, plan).logits()).isDeepEqualTo(expected);
            FloatBuffer direct = ByteBuffer.allocateDirect((flat.length + 2) * 4).order(ByteOrder.nativeOrder())
                    .asFloatBuffer();
            direct.put(new float[] {9, 9}).put(flat).position(2); // reads from the position
            assertThat(model.predict(direct, shape, ExecutionPolicy.replay(plan)).logits()).isDeepEqualTo(expected);
            assertThat(direct.position()).isEqualTo(2);
        }
    }

    @Test
    void tensorLevelApiComposesToTheSameLogitsAndLeavesInputsOpen() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE_POSITION, 6);
        float[][][][] images = TestExport.images(export.config, 2, 8);
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")))) {
            ExecutionPlan plan = ExecutionPlan.of(4, 2, 3, 0);
            float[][] expected = model.predict(images, plan).logits();
            try (OnnxTensor tokens = model.stem(images); OnnxTensor out = model.run(tokens, plan)) {
                assertThat(tokens.isClosed()).isFalse();
                assertThat(model.head(out)).isDeepEqualTo(expected);
                assertThat(out.isClosed()).isFalse();
            }
            try (OnnxTensor tokens = model.stem(images);
                 OnnxTensor x1 = model.block(2).apply(tokens, 0);
                 OnnxTensor x2 = model.block(3).apply(x1, 1);
                 OnnxTensor x3 = model.block(0).apply(x2, 2)) {
                assertThat(tokens.isClosed()).isFalse();
                assertThat(model.head(x3)).isDeepEqualTo(expected);
            }
            assertThat(model.identity(1)).contains(new ModelIdentity("family-1", export.config));
            assertThat(model.family()).isEqualTo("family-1");
            assertThat(model.config()).isEqualTo(export.config);
        }
    }

    @Test
    void loadsFromAClasspathResourceDirectory() throws Exception {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE, 2);
        export.write(tmp.resolve("root/models/fashion"));
        float[][][][] images = TestExport.images(export.config, 2, 6);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {tmp.resolve("root").toUri().toURL()}, null);
             LayerShuffleModel model = LayerShuffleModel.loadResource(loader, "/models/fashion/",
                     RuntimeOptions.builder().intraOpThreads(1).build())) {
            assertLogits(model.predict(images, ExecutionPolicy.reversed()),
                    export.logits(images, ExecutionPlan.of(4, 3, 2, 1, 0)));
            assertThat(model.toString()).contains("classpath:models/fashion");
        }
    }

    @Test
    void runtimeOptionsAreApplied() {
        TestExport export = TestExport.of(Variant.LAYERDROP, 2);
        float[][][][] images = TestExport.images(export.config, 1, 6);
        RuntimeOptions options = RuntimeOptions.builder().intraOpThreads(1).interOpThreads(1)
                .optimization(ai.onnxruntime.OrtSession.SessionOptions.OptLevel.NO_OPT).cpuArena(true)
                .tokenPoolBytes(1024).build();
        assertThat(options.toString()).contains("intraOpThreads=1", "NO_OPT", "cpu", "cpuArena=true",
                "tokenPoolBytes=1024");
        assertThat(RuntimeOptions.defaults().cpuArena()).isFalse();
        assertThat(RuntimeOptions.defaults().memoryPattern()).isEmpty();
        assertThat(RuntimeOptions.defaults().toString()).contains("memoryPattern=auto");
        // by default on, since a pass keeps within RuntimeOptions.PASS_ACTIVATION_BYTES (PassImagesTest)
        ModelConfig vitB = ModelConfig.vitB16(1000);
        assertThat(RuntimeOptions.defaults().memoryPatternFor(export.config)).isTrue();
        assertThat(RuntimeOptions.builder().memoryPattern(false).build().memoryPatternFor(vitB)).isFalse();
        assertThat(RuntimeOptions.builder().memoryPattern(true).passImages(64).build().memoryPatternFor(vitB))
                .isTrue();
        assertThat(RuntimeOptions.builder().memoryPattern(false).build().memoryPatternFor(export.config)).isFalse();
        assertThat(RuntimeOptions.builder().memoryPattern(false).build().toString()).contains("memoryPattern=false");
        assertThat(RuntimeOptions.defaults().tokenPoolBytes()).isEqualTo(64L << 20);
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")), options)) {
            assertLogits(model.predict(images), export.logits(images, ExecutionPlan.sequential(4)));
            assertThat(model.tokenPool().toString()).contains("of 1024 bytes");
        }
        // ONNX Runtime's memory pattern on (its own default) or off (ours): the same logits
        for (boolean pattern : new boolean[] {true, false}) {
            try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("p" + pattern)),
                    RuntimeOptions.builder().memoryPattern(pattern).build())) {
                assertLogits(model.predict(images), export.logits(images, ExecutionPlan.sequential(4)));
            }
        }
    }
}
