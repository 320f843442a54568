package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import io.github.layershuffle.api.Block;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.Variant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent runs, closing, and that no ONNX Runtime value outlives the call that made it. */
class LifecycleTest {
    @TempDir
    Path tmp;

    @Test
    void eightThreadsGetExactlyTheSingleThreadedResults() throws Exception {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE_PREDICT, 31);
        int threads = 8;
        int calls = 200;
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")))) {
            ExecutionPolicy policy = ExecutionPolicy.random(5).drop(0.3);
            List<float[][][][]> inputs = new ArrayList<>();
            List<ExecutionPlan> plans = new ArrayList<>();
            List<float[][]> logits = new ArrayList<>();
            List<float[][][]> slots = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                inputs.add(TestExport.images(export.config, 1 + i % 3, i));
                plans.add(policy.planForPass(4, i));
                Prediction p = model.predict(inputs.get(i), plans.get(i));
                logits.add(p.logits());
                slots.add(p.positionLogits());
            }
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> futures = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int offset = t * 37;
                    futures.add(pool.submit(() -> {
                        start.await();
                        int checked = 0;
                        for (int j = 0; j < calls; j++) {
                            int i = (j + offset) % calls;
                            Prediction p = model.predict(inputs.get(i), plans.get(i));
                            assertThat(p.plan()).isEqualTo(plans.get(i));
                            assertThat(p.logits()).isDeepEqualTo(logits.get(i));
                            assertThat(p.positionLogits()).isDeepEqualTo(slots.get(i));
                            checked++;
                        }
                        return checked;
                    }));
                }
                start.countDown();
                for (Future<Integer> f : futures) {
                    assertThat(f.get()).isEqualTo(calls);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void twoThousandCallsLeaveNoOrtValueOpenOutsideTheBoundedPool() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE_PREDICT, 32);
        ConcurrentLinkedQueue<OnnxValue> made = new ConcurrentLinkedQueue<>();
        LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")));
        try (model) {
            TokenPool pool = model.tokenPool();
            model.observeOutputs(made::add);
            float[][][][] images = TestExport.images(export.config, 2, 1);
            ExecutionPolicy policy = ExecutionPolicy.random(8);
            for (int i = 0; i < 2000; i++) {
                model.predict(images, policy);
            }
            // the first pass allocates two token tensors (stem, first block), every later pass writes into them;
            // each pass allocates its 4 position_logits and the head's logits
            assertThat(made).hasSize(2 + 2000 * (4 + 1));
            assertThat(pool.idleCount()).isEqualTo(2);
            assertOpenOnlyInPool(made, pool);
            made.clear();

            // run(): the caller's input and the result stay open, every other tensor is closed or pooled
            try (OnnxTensor tokens = model.stem(images)) {
                for (int i = 0; i < 500; i++) {
                    OnnxTensor out = model.run(tokens, ExecutionPlan.of(4, 3, 1, 2));
                    assertThat(out).isNotSameAs(tokens);
                    assertThat(out.isClosed()).isFalse();
                    out.close();
                }
                assertThat(tokens.isClosed()).isFalse();
            }
            // the stem's tokens, then one new tensor per run after the first: the result leaves with the caller
            assertThat(made).hasSize(1 + 499);
            assertThat(pool.idleCount()).isEqualTo(1);
            assertOpenOnlyInPool(made, pool);
            made.clear();

            // a call that fails half-way pools or closes what it made: the observer fails on value 1, 2, ... 5
            // (a warm pool: the pass writes into pooled tensors and allocates only the logits)
            model.observeOutputs(null);
            model.predict(images, policy);
            assertThat(pool.idleCount()).isEqualTo(2);
            for (int failAt = 1; failAt <= 5; failAt++) {
                made.clear();
                model.observeOutputs(failingAt(made, failAt));
                assertThatThrownBy(() -> model.predict(images, policy)).hasMessage("injected failure");
                assertThat(made).hasSize(failAt).allMatch(OnnxValue::isClosed, "closed");
                assertThat(pool.idleCount()).isEqualTo(2);
            }
            // without a pool a pass allocates 7 values (stem, first block's tokens, 4 position_logits, head)
            try (LayerShuffleModel unpooled = LayerShuffleModel.load(export.write(tmp.resolve("f")),
                    RuntimeOptions.builder().tokenPoolBytes(0).build())) {
                for (int failAt = 1; failAt <= 7; failAt++) {
                    made.clear();
                    unpooled.observeOutputs(failingAt(made, failAt));
                    assertThatThrownBy(() -> unpooled.predict(images, policy)).hasMessage("injected failure");
                    assertThat(made).hasSize(failAt).allMatch(OnnxValue::isClosed, "closed");
                }
                made.clear();
                unpooled.observeOutputs(null);
                try (OnnxTensor tokens = unpooled.stem(images)) {
                    unpooled.observeOutputs(failingAt(made, 1));
                    assertThatThrownBy(() -> unpooled.run(tokens, ExecutionPlan.of(4, 0, 1, 2)))
                            .hasMessage("injected failure");
                    assertThat(tokens.isClosed()).isFalse();
                }
                assertThat(made).hasSize(1).allMatch(OnnxValue::isClosed, "closed");
            }
        }
        assertThat(model.tokenPool().idleCount()).isZero();
    }

    /** An observer that records values and throws on the {@code limit}-th. */
    private static java.util.function.Consumer<OnnxValue> failingAt(ConcurrentLinkedQueue<OnnxValue> made, int limit) {
        return v -> {
            made.add(v);
            if (made.size() == limit) {
                throw new IllegalStateException("injected failure");
            }
        };
    }

    /** Every value in {@code made} is closed, except those idle in {@code pool}. */
    private static void assertOpenOnlyInPool(ConcurrentLinkedQueue<OnnxValue> made, TokenPool pool) {
        long open = made.stream().filter(v -> !v.isClosed()).count();
        assertThat(open).as("open values").isLessThanOrEqualTo(pool.idleCount());
    }

    @Test
    void closingTheModelClosesThePooledTensors() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE, 35);
        ConcurrentLinkedQueue<OnnxValue> made = new ConcurrentLinkedQueue<>();
        LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")));
        model.observeOutputs(made::add);
        for (int batch = 1; batch <= 3; batch++) {
            model.predict(TestExport.images(export.config, batch, batch));
        }
        assertThat(model.tokenPool().idleCount()).isEqualTo(6);
        assertThat(made.stream().filter(v -> !v.isClosed())).hasSize(6);
        model.close();
        assertThat(made).allMatch(OnnxValue::isClosed, "closed");
        assertThat(model.tokenPool().idleCount()).isZero();
    }

    @Test
    void withoutAPoolEveryPassClosesAllItMade() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE_POSITION, 36);
        ConcurrentLinkedQueue<OnnxValue> made = new ConcurrentLinkedQueue<>();
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")),
                RuntimeOptions.builder().tokenPoolBytes(0).build())) {
            model.observeOutputs(made::add);
            float[][][][] images = TestExport.images(export.config, 2, 1);
            for (int i = 0; i < 100; i++) {
                model.predict(images, ExecutionPolicy.random(i));
            }
            // stem and first block allocate, the other three write into those two; plus the head's logits
            assertThat(made).hasSize(100 * 3).allMatch(OnnxValue::isClosed, "closed");
            assertThat(model.tokenPool().idleCount()).isZero();
        }
    }

    @Test
    void closeIsIdempotentAndUseAfterCloseNamesTheType() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE, 33);
        float[][][][] images = TestExport.images(export.config, 1, 1);
        LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")));
        OnnxTensor tokens = model.stem(images);
        Block<OnnxTensor> block = model.block(0);
        model.close();
        model.close();
        assertThat(model.isClosed()).isTrue();
        assertThat(model.toString()).contains("closed");
        assertThatThrownBy(() -> model.predict(images)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("LayerShuffleModel is closed");
        assertThatThrownBy(() -> block.apply(tokens, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("LayerShuffleModel");
        assertThatThrownBy(() -> model.run(tokens, ExecutionPolicy.sequential()))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> model.stem(images)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> model.head(tokens)).isInstanceOf(IllegalStateException.class);
        // a tensor the caller owns outlives the model
        assertThat(tokens.isClosed()).isFalse();
        tokens.close();
        // the size and identities stay readable
        assertThat(model.size()).isEqualTo(4);
    }

    @Test
    void closeWaitsForCallsInFlight() throws Exception {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE, 34);
        float[][][][] images = TestExport.images(export.config, 4, 1);
        LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 10_000; i++) {
                        try {
                            assertThat(model.predict(images, ExecutionPolicy.random(i)).batchSize()).isEqualTo(4);
                            ok++;
                        } catch (IllegalStateException closed) {
                            assertThat(closed).hasMessageContaining("closed");
                            return ok;
                        }
                    }
                    return ok;
                }));
            }
            Thread.sleep(50);
            model.close();
            for (Future<Integer> f : futures) {
                assertThat(f.get()).isGreaterThanOrEqualTo(0);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
