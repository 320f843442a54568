package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.TensorInfo;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch larger than {@link RuntimeOptions#passImagesFor} runs in passes and comes back as if in one. */
class PassImagesTest {
    private static final ExecutionPlan PLAN = ExecutionPlan.of(4, 2, 0, 3, 1);

    @TempDir
    Path tmp;

    @Test
    void aBatchOfFiveInPassesOfTwoGivesTheLogitsAndSlotsOfOnePass() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE_PREDICT, 41);
        Path dir = export.write(tmp.resolve("e"));
        float[][][][] images = TestExport.images(export.config, 5, 3);
        ConcurrentLinkedQueue<OnnxValue> made = new ConcurrentLinkedQueue<>();
        try (LayerShuffleModel passes = LayerShuffleModel.load(dir, RuntimeOptions.builder().passImages(2).build());
             LayerShuffleModel whole = LayerShuffleModel.load(dir, RuntimeOptions.builder().passImages(5).build())) {
            assertThat(passes.passImages()).isEqualTo(2);
            assertThat(whole.passImages()).isEqualTo(5);
            passes.observeOutputs(made::add);
            Prediction p = passes.predict(images, PLAN);
            Prediction w = whole.predict(images, PLAN);
            LayerShuffleModelTest.assertLogits(p, export.logits(images, PLAN));
            assertThat(p.batchSize()).isEqualTo(5);
            assertThat(p.plan()).isEqualTo(PLAN);
            assertClose(p.positionLogits(), w.positionLogits());
            assertThat(p.predictedSlots()).isEqualTo(w.predictedSlots());
            // the sessions saw passes of 2, 2 and 1 images, never the batch of 5
            assertThat(made).isNotEmpty().allMatch(v -> batchOf(v) <= 2, "at most 2 images per run");
            assertThat(made).anyMatch(v -> batchOf(v) == 1);

            // a buffer of the caller's, read in place, gives the same
            FloatBuffer flat = FloatBuffer.allocate(5 * 16);
            for (float[][][] image : images) {
                for (float[] row : image[0]) {
                    flat.put(row);
                }
            }
            flat.flip();
            LayerShuffleModelTest.assertLogits(passes.predict(flat, new long[] {5, 1, 4, 4}, PLAN),
                    export.logits(images, PLAN));
        }
    }

    @Test
    void runAndOneBlockGiveTheTokensOfOnePassAndLeaveTheInputOpen() throws Exception {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE_POSITION, 43);
        Path dir = export.write(tmp.resolve("e"));
        float[][][][] images = TestExport.images(export.config, 5, 4);
        try (LayerShuffleModel passes = LayerShuffleModel.load(dir, RuntimeOptions.builder().passImages(2).build());
             LayerShuffleModel whole = LayerShuffleModel.load(dir, RuntimeOptions.builder().passImages(8).build());
             OnnxTensor tokens = whole.stem(images)) {
            try (OnnxTensor a = passes.run(tokens, PLAN); OnnxTensor b = whole.run(tokens, PLAN)) {
                assertThat(a.getInfo().getShape()).containsExactly(5, 5, 3);
                assertClose(a.getFloatBuffer(), b.getFloatBuffer());
                LayerShuffleModelTest.assertLogits(new Prediction(passes.head(a), whole.labels(), PLAN, null),
                        export.logits(images, PLAN));
            }
            try (OnnxTensor a = passes.block(3).apply(tokens, 2); OnnxTensor b = whole.block(3).apply(tokens, 2)) {
                assertClose(a.getFloatBuffer(), b.getFloatBuffer());
            }
            assertThat(tokens.isClosed()).isFalse();
        }
    }

    @Test
    void theDefaultKeepsAPassWithinItsActivationBytesAndTurnsThePatternOffBeyondThem() {
        ModelConfig vitB = ModelConfig.vitB16(1000);   // 197 x 3072 x 4 = 2.4 MB of MLP activations per image
        ModelConfig small = TestExport.config(Variant.BASELINE);   // 5 x 4 x 4 = 80 bytes
        RuntimeOptions defaults = RuntimeOptions.defaults();
        assertThat(defaults.passImages()).isEmpty();
        assertThat(defaults.passImagesFor(vitB)).isEqualTo(2);
        assertThat(defaults.passImagesFor(small)).isEqualTo((int) (RuntimeOptions.PASS_ACTIVATION_BYTES / 80));
        assertThat(defaults.memoryPatternFor(vitB)).isTrue();
        assertThat(defaults.memoryPatternFor(small)).isTrue();
        RuntimeOptions eight = RuntimeOptions.builder().passImages(8).build();
        assertThat(eight.passImagesFor(vitB)).isEqualTo(8);
        assertThat(eight.memoryPatternFor(vitB)).isFalse();
        assertThat(eight.memoryPatternFor(small)).isTrue();
        assertThat(RuntimeOptions.builder().passImages(8).memoryPattern(true).build().memoryPatternFor(vitB)).isTrue();
        assertThat(eight.toString()).contains("passImages=8");
        assertThat(defaults.toString()).contains("passImages=auto");
        // a model whose one image is over the bytes runs one image at a time, without the pattern
        ModelConfig huge = ModelConfig.builder().imageSize(384).channels(3).patchSize(16).width(1024).depth(2)
                .heads(16).mlpWidth(4096).classes(10).build();
        assertThat(defaults.passImagesFor(huge)).isEqualTo(1);
        assertThat(defaults.memoryPatternFor(huge)).isFalse();
        assertThatThrownBy(() -> RuntimeOptions.builder().passImages(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("passImages must be >= 1, was 0");
    }

    private static long batchOf(OnnxValue v) {
        return ((TensorInfo) v.getInfo()).getShape()[0];
    }

    private static void assertClose(FloatBuffer a, FloatBuffer b) {
        assertThat(a.remaining()).isEqualTo(b.remaining());
        for (int i = 0; a.hasRemaining(); i++) {
            assertThat(a.get()).as("value %d", i).isCloseTo(b.get(), within(1e-6f));
        }
    }

    private static void assertClose(float[][][] a, float[][][] b) {
        assertThat(a.length).isEqualTo(b.length);
        for (int s = 0; s < a.length; s++) {
            assertThat(a[s].length).isEqualTo(b[s].length);
            for (int n = 0; n < a[s].length; n++) {
                for (int k = 0; k < a[s][n].length; k++) {
                    assertThat(a[s][n][k]).as("slot %d image %d logit %d", s, n, k).isCloseTo(b[s][n][k],
                            within(1e-6f));
                }
            }
        }
    }
}
