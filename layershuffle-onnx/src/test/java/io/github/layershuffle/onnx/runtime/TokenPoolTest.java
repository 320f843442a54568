package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.Variant;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** The pool of idle token tensors: its bound, its eviction order, and that pooling never changes a result. */
class TokenPoolTest {
    private static final int T = 5;
    private static final int D = 3;
    private static final long IMAGE_BYTES = T * D * Float.BYTES;

    @TempDir
    Path tmp;

    private static OnnxTensor tokens(int batch) {
        try {
            return OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.allocate(batch * T * D),
                    new long[] {batch, T, D});
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void takesBackWhatWasGivenByBatchSize() {
        try (TokenPool pool = new TokenPool(T, D, 1 << 20)) {
            assertThat(pool.take(1)).isNull();
            OnnxTensor a = tokens(1);
            OnnxTensor b = tokens(2);
            pool.give(a);
            pool.give(b);
            pool.give(null);
            assertThat(pool.idleBytes()).isEqualTo(3 * IMAGE_BYTES);
            assertThat(pool.take(3)).isNull();
            assertThat(pool.take(2)).isSameAs(b);
            assertThat(pool.take(1)).isSameAs(a);
            assertThat(pool.take(1)).isNull();
            assertThat(pool.idleBytes()).isZero();
            assertThat(a.isClosed()).isFalse();
            a.close();
            b.close();
        }
    }

    @Test
    void staysWithinItsCapacityEvictingTheLeastRecentlyUsedBatchSizes() {
        try (TokenPool pool = new TokenPool(T, D, 4 * IMAGE_BYTES)) {
            OnnxTensor one = tokens(1);
            OnnxTensor two = tokens(2);
            OnnxTensor otherOne = tokens(1);
            pool.give(one);
            pool.give(two);
            pool.give(otherOne);
            assertThat(pool.idleBytes()).as("4 images: full").isEqualTo(4 * IMAGE_BYTES);

            OnnxTensor three = tokens(3);
            pool.give(three);
            assertThat(two.isClosed()).as("batch 2, used least recently, evicted first").isTrue();
            assertThat(one.isClosed() && otherOne.isClosed()).as("then batch 1, to make room for 3").isTrue();
            assertThat(pool.idleBytes()).isEqualTo(3 * IMAGE_BYTES);
            assertThat(pool.take(3)).isSameAs(three);
            three.close();
        }
    }

    @Test
    void closesTheGivenTensorRatherThanEvictingInVain() {
        try (TokenPool pool = new TokenPool(T, D, 4 * IMAGE_BYTES)) {
            OnnxTensor one = tokens(1);
            pool.give(one);
            OnnxTensor five = tokens(5);
            pool.give(five);
            assertThat(five.isClosed()).as("larger than the whole pool").isTrue();
            assertThat(one.isClosed()).as("not evicted for a tensor that cannot fit").isFalse();

            OnnxTensor two = tokens(2);
            OnnxTensor otherTwo = tokens(2);
            OnnxTensor thirdTwo = tokens(2);
            pool.give(two);
            pool.give(otherTwo);
            assertThat(otherTwo.isClosed()).as("no room next to batch 1").isFalse();
            assertThat(one.isClosed()).as("batch 1 evicted for the second batch-2 tensor").isTrue();
            pool.give(thirdTwo);
            assertThat(thirdTwo.isClosed()).as("batch 2 alone fills the pool: no eviction helps").isTrue();
            assertThat(pool.idleCount()).isEqualTo(2);
            assertThat(pool.take(2)).isSameAs(otherTwo);
            assertThat(pool.take(2)).isSameAs(two);
            two.close();
            otherTwo.close();
        }
    }

    @Test
    void closedOrZeroCapacityPoolsKeepNothing() {
        TokenPool none = new TokenPool(T, D, 0);
        OnnxTensor a = tokens(1);
        none.give(a);
        assertThat(a.isClosed()).isTrue();
        assertThat(none.take(1)).isNull();

        TokenPool pool = new TokenPool(T, D, 1 << 20);
        OnnxTensor b = tokens(1);
        OnnxTensor c = tokens(1);
        pool.give(b);
        pool.close();
        assertThat(b.isClosed()).isTrue();
        pool.give(c);
        assertThat(c.isClosed()).isTrue();
        assertThat(pool.take(1)).isNull();
        pool.close();
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void pooledPassesGiveBitIdenticalResults(Variant variant) {
        TestExport export = TestExport.of(variant, 21);
        Path dir = export.write(tmp.resolve("e"));
        // a pool that holds only small batches, so that passes alternate between pooled and fresh tensors
        long small = 3L * export.config.tokenCount() * export.config.width() * Float.BYTES;
        List<RuntimeOptions> options = List.of(RuntimeOptions.builder().tokenPoolBytes(0).build(),
                RuntimeOptions.defaults(), RuntimeOptions.builder().tokenPoolBytes(small).build());
        List<List<float[][]>> results = new ArrayList<>();
        for (RuntimeOptions o : options) {
            try (LayerShuffleModel model = LayerShuffleModel.load(dir, o)) {
                List<float[][]> logits = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    float[][][][] images = TestExport.images(export.config, 1 + i % 4, i);
                    ExecutionPlan plan = ExecutionPolicy.random(3).drop(0.3).planForPass(4, i);
                    logits.add(model.predict(images, plan).logits());
                    try (OnnxTensor stem = model.stem(images); OnnxTensor out = model.run(stem, plan)) {
                        logits.add(model.head(out));
                    }
                }
                assertThat(model.tokenPool().idleBytes()).isLessThanOrEqualTo(o.tokenPoolBytes());
                results.add(logits);
            }
        }
        for (int i = 0; i < results.get(0).size(); i++) {
            assertThat(results.get(1).get(i)).as("call %d, default pool", i).isDeepEqualTo(results.get(0).get(i));
            assertThat(results.get(2).get(i)).as("call %d, small pool", i).isDeepEqualTo(results.get(0).get(i));
        }
    }
}
