package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every value a session returns is held to the contract at run time, and the part at fault is named: graphs that
 * declare the contract's shapes (so they load) but return another batch or NaN.
 */
class OutputContractTest {
    @TempDir
    Path tmp;

    private TestExport export;
    private HostileGraphs graphs;
    private float[][][][] images;

    @BeforeEach
    void setUp() {
        export = TestExport.of(Variant.LAYERSHUFFLE, 61);
        graphs = new HostileGraphs(export.config);
        images = TestExport.images(export.config, 2, 3);
    }

    private LayerShuffleModel load(String file, byte[] graph) {
        return LayerShuffleModel.load(export.write(tmp.resolve(file), Map.of(file, graph), m -> { }));
    }

    @Test
    void aGraphDeclaringHugeTensorsIsRefusedWithAMessageOfBoundedSize() {
        // 200 extra inputs of 10,000-character names and rank 1,000: about 2 MB of names and 200,000 dimensions
        assertThatThrownBy(() -> load("block-01.onnx", graphs.blockWithExtraInputs(200, 10_000, 1_000)))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("block 1 (block-01.onnx)")
                .hasMessageContaining("unexpected tensor(s)").hasMessageContaining("(10001 characters)")
                .hasMessageContaining("and 192 more")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(4_000));
        assertThatThrownBy(() -> load("block-01.onnx", graphs.blockWithInputOfRank(5_000)))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("tensor 'tokens' has shape")
                .hasMessageContaining("rank 5000").hasMessageContaining("[-1, 5, 3]")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(1_000));
        // ONNX Runtime's own message about a graph it cannot load quotes the graph's names
        assertThatThrownBy(() -> load("block-01.onnx", graphs.blockWithUnknownOperator(100_000)))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("block 1 (block-01.onnx)")
                .hasMessageContaining("cannot load")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(4_000));
    }

    @Test
    void aHeadReturningTwiceTheBatchIsRefusedNotTurnedIntoMorePredictions() {
        try (LayerShuffleModel model = load("head.onnx", graphs.headDoublingTheBatch())) {
            assertThatThrownBy(() -> model.predict(images)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("head (head.onnx)").hasMessageContaining("output 'logits' is FLOAT [4, 3]")
                    .hasMessageContaining("float32 [2, 3]").hasMessageContaining("the input's batch is 2");
            try (OnnxTensor tokens = model.stem(images)) {
                assertThatThrownBy(() -> model.head(tokens)).isInstanceOf(LayerShuffleException.class)
                        .hasMessageContaining("head (head.onnx)");
            }
        }
    }

    @Test
    void aBlockReturningTwiceTheBatchIsNamedNotItsSuccessor() {
        try (LayerShuffleModel model = load("block-00.onnx", graphs.blockDoublingTheBatch())) {
            // sequential: block 0 runs first and its successor, block 1, would read its output
            assertThatThrownBy(() -> model.predict(images)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("block 0 (block-00.onnx)").hasMessageContaining("tokens_out")
                    .hasMessageContaining("[4, 5, 3]").hasMessageContaining("float32 [2, 5, 3]")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("block 1"));
            // a later slot, where the pass hands the block a tensor to write into
            assertThatThrownBy(() -> model.predict(images, ExecutionPlan.of(4, 1, 2, 0)))
                    .isInstanceOf(LayerShuffleException.class).hasMessageContaining("block 0 (block-00.onnx)");
            try (OnnxTensor tokens = model.stem(images)) {
                assertThatThrownBy(() -> model.block(0).apply(tokens, 0)).isInstanceOf(LayerShuffleException.class)
                        .hasMessageContaining("block 0 (block-00.onnx)").hasMessageContaining("[4, 5, 3]");
                assertThatThrownBy(() -> model.run(tokens, ExecutionPlan.sequential(4)))
                        .isInstanceOf(LayerShuffleException.class).hasMessageContaining("block 0 (block-00.onnx)");
            }
            // the model still serves a plan without the bad block
            assertThat(model.predict(images, ExecutionPlan.of(4, 1, 2)).batchSize()).isEqualTo(2);
        }
    }

    @Test
    void positionLogitsForAnotherBatchAreNamed() {
        TestExport predict = TestExport.of(Variant.LAYERSHUFFLE_PREDICT, 62);
        byte[] block = new HostileGraphs(predict.config).predictBlockDoublingThePositionLogits(predict.config.depth());
        Path dir = predict.write(tmp.resolve("predict"), Map.of("block-01.onnx", block), m -> { });
        try (LayerShuffleModel model = LayerShuffleModel.load(dir)) {
            assertThatThrownBy(() -> model.predict(images)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("block 1 (block-01.onnx)").hasMessageContaining("'position_logits'")
                    .hasMessageContaining("[4, 4]").hasMessageContaining("float32 [2, 4]");
        }
    }

    @Test
    void aHeadReturningNaNIsRefusedByHeadAsByPredict() {
        try (LayerShuffleModel model = load("head.onnx", graphs.headReturningNaN())) {
            assertThatThrownBy(() -> model.predict(images)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("head (head.onnx)").hasMessageContaining("non-finite logit (NaN)");
            try (OnnxTensor tokens = model.stem(images)) {
                assertThatThrownBy(() -> model.head(tokens)).isInstanceOf(LayerShuffleException.class)
                        .hasMessageContaining("head (head.onnx)").hasMessageContaining("non-finite logit (NaN)")
                        .hasMessageContaining("image 0, class 0");
            }
        }
    }

    @Test
    void aBlockReturningNaNIsRefusedByTheBlockAndByRun() {
        try (LayerShuffleModel model = load("block-02.onnx", graphs.blockReturningNaN())) {
            try (OnnxTensor tokens = model.stem(images)) {
                assertThatThrownBy(() -> model.block(2).apply(tokens, 0)).isInstanceOf(LayerShuffleException.class)
                        .hasMessageContaining("block 2 of export").hasMessageContaining("non-finite value (NaN)")
                        .hasMessageContaining("at [0, 0, 0] of [2, 5, 3]");
                assertThatThrownBy(() -> model.run(tokens, ExecutionPlan.of(4, 2)))
                        .isInstanceOf(LayerShuffleException.class).hasMessageContaining("after slot 0 (block 2")
                        .hasMessageContaining("non-finite value (NaN)");
                assertThat(tokens.isClosed()).isFalse();
                try (OnnxTensor fine = model.block(1).apply(tokens, 0)) {
                    assertThat(fine.getInfo().getShape()).containsExactly(2, 5, 3);
                }
            }
        }
    }

    @Test
    void aStemReturningNaNIsRefusedByStem() {
        try (LayerShuffleModel model = load("stem.onnx", graphs.stemReturningNaN())) {
            assertThatThrownBy(() -> model.stem(images)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("the tokens of the stem of export").hasMessageContaining("non-finite value");
        }
    }
}
