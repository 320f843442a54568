package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import io.github.layershuffle.api.DeadlineExceededException;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.Variant;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A block graph whose Loop never ends cannot hang the host: a call deadline ends it with a library exception, and
 * close() ends the calls still running after its grace period instead of waiting behind them forever. The
 * {@code @Timeout}s are hang guards only (without the defences these tests never return), not timings.
 */
class DeadlineTest {
    @TempDir
    Path tmp;

    private TestExport export;
    private Path dir;
    private float[][][][] images;

    @BeforeEach
    void writeLoopingExport() {
        export = TestExport.of(Variant.LAYERSHUFFLE, 71);
        dir = export.write(tmp.resolve("loop"), Map.of("block-02.onnx",
                new HostileGraphs(export.config).blockLoopingForever()), m -> { });
        images = TestExport.images(export.config, 2, 5);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void theDeadlineEndsABlockThatLoopsForever() {
        RuntimeOptions options = RuntimeOptions.builder().callTimeout(Duration.ofMillis(300)).build();
        try (LayerShuffleModel model = LayerShuffleModel.load(dir, options)) {
            assertThatThrownBy(() -> model.predict(images)).isInstanceOf(DeadlineExceededException.class)
                    .hasMessageContaining("predict on LayerShuffleModel")
                    .hasMessageContaining("deadline of 300 ms (RuntimeOptions.callTimeout)")
                    .hasMessageContaining("block 2 (block-02.onnx)");
            try (OnnxTensor tokens = model.stem(images)) {
                assertThatThrownBy(() -> model.block(2).apply(tokens, 0)).isInstanceOf(DeadlineExceededException.class)
                        .hasMessageContaining("block 2 of export");
                assertThatThrownBy(() -> model.run(tokens, ExecutionPlan.sequential(4)))
                        .isInstanceOf(DeadlineExceededException.class).hasMessageContaining("run on");
            }
            // the deadline is per call: a plan without the looping block still runs, and so does the next call
            assertThat(model.predict(images, ExecutionPlan.of(4, 0, 1, 3)).batchSize()).isEqualTo(2);
            assertThat(model.predict(images, ExecutionPlan.of(4, 3)).batchSize()).isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void closeEndsACallThatLoopsForeverInsteadOfWaitingBehindIt() throws Exception {
        RuntimeOptions options = RuntimeOptions.builder().closeTimeout(Duration.ofMillis(200)).build();
        LayerShuffleModel model = LayerShuffleModel.load(dir, options);
        CompletableFuture<Prediction> call = CompletableFuture.supplyAsync(() -> model.predict(images));
        Thread.sleep(300); // let the call reach the loop; if it has not, the terminate flag stops it at its first run
        model.close();
        assertThat(model.isClosed()).isTrue();
        assertThatThrownBy(call::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class)
                .cause().hasMessageContaining("closed while the call ran").hasMessageContaining("block 2");
        assertThatThrownBy(() -> model.predict(images)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("LayerShuffleModel is closed");
    }

    @Test
    void aNegativeTimeoutIsRefusedByName() {
        assertThatThrownBy(() -> RuntimeOptions.builder().callTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("callTimeout");
        assertThatThrownBy(() -> RuntimeOptions.builder().closeTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("closeTimeout");
    }
}
