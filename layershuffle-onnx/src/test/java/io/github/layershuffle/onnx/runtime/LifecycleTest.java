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
    void twoThousandCallsLeaveNoOrtValueOpen() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE_PREDICT, 32);
        ConcurrentLinkedQueue<OnnxValue> made = new ConcurrentLinkedQueue<>();
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")))) {
            model.observeOutputs(made::add);
            float[][][][] images = TestExport.images(export.config, 2, 1);
            ExecutionPolicy policy = ExecutionPolicy.random(8);
            for (int i = 0; i < 2000; i++) {
                model.predict(images, policy);
            }
            // stem + 4 blocks (tokens_out and position_logits each) + head, per call
            assertThat(made).hasSize(2000 * (1 + 4 * 2 + 1));
            assertThat(made).allMatch(OnnxValue::isClosed, "closed");
            made.clear();

            // run(): the caller's input and the result stay open, every tensor in between is closed
            try (OnnxTensor tokens = model.stem(images)) {
                for (int i = 0; i < 500; i++) {
                    model.run(tokens, ExecutionPlan.of(4, 3, 1, 2)).close();
                }
                assertThat(tokens.isClosed()).isFalse();
            }
            assertThat(made).hasSize(1 + 500 * 3).allMatch(OnnxValue::isClosed, "closed");
            made.clear();

            // a call that fails half-way closes what it made, too: the observer fails on value 1, 2, ... 10
            for (int failAt = 1; failAt <= 10; failAt++) {
                made.clear();
                int limit = failAt;
                model.observeOutputs(v -> {
                    made.add(v);
                    if (made.size() == limit) {
                        throw new IllegalStateException("injected failure");
                    }
                });
                assertThatThrownBy(() -> model.predict(images, policy)).hasMessage("injected failure");
                assertThat(made).hasSize(limit).allMatch(OnnxValue::isClosed, "closed");
            }
            made.clear();
            model.observeOutputs(null);
            try (OnnxTensor tokens = model.stem(images)) {
                model.observeOutputs(v -> {
                    made.add(v);
                    if (made.size() == 2) {
                        throw new IllegalStateException("injected failure");
                    }
                });
                assertThatThrownBy(() -> model.run(tokens, ExecutionPlan.of(4, 0, 1, 2))).hasMessage("injected failure");
                assertThat(tokens.isClosed()).isFalse();
            }
            assertThat(made).allMatch(OnnxValue::isClosed, "closed");
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
