package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bad file or input is refused with an error that names the fault; none crashes or returns a label. */
class BadInputTest {
    @TempDir
    Path tmp;

    private TestExport export;
    private Path dir;

    @BeforeEach
    void write() {
        export = TestExport.of(Variant.LAYERSHUFFLE, 21);
        dir = export.write(tmp.resolve("export"));
    }

    private Path edited(Consumer<ObjectNode> edit) {
        return export.write(tmp.resolve("edited"), edit);
    }

    @Test
    void missingOnnxFileIsNamed() throws Exception {
        Files.delete(dir.resolve("block-02.onnx"));
        assertThatThrownBy(() -> LayerShuffleModel.load(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("block-02.onnx").hasMessageContaining("missing");
    }

    @Test
    void truncatedOnnxFileFailsItsHash() throws Exception {
        Path f = dir.resolve("block-01.onnx");
        byte[] bytes = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> LayerShuffleModel.load(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("block-01.onnx").hasMessageContaining("SHA-256")
                .hasMessageContaining("truncated");
    }

    @Test
    void truncatedOnnxFileWithAMatchingHashIsRefusedBeforeOnnxRuntimeSeesIt() throws Exception {
        Path f = dir.resolve("head.onnx");
        byte[] bytes = Arrays.copyOf(Files.readAllBytes(f), 40);
        Files.write(f, bytes);
        Path again = export.write(tmp.resolve("again"), m -> ((ObjectNode) m.get("head"))
                .put("sha256", LoadedExport.sha256(bytes)));
        Files.write(again.resolve("head.onnx"), bytes);
        assertThatThrownBy(() -> LayerShuffleModel.load(again)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("head (head.onnx)").hasMessageContaining("not a valid ONNX model (40 bytes)")
                .hasCauseInstanceOf(com.google.protobuf.InvalidProtocolBufferException.class);
    }

    @Test
    void aWellFormedModelThatOnnxRuntimeCannotLoadIsNamed() {
        byte[] bytes = TestExport.model(ai.onnx.proto.OnnxMl.GraphProto.newBuilder().setName("unknown_op")
                .addInput(TestExport.value("tokens", 1, -1, 5, 3)).addOutput(TestExport.value("logits", 1, -1, 3))
                .addNode(TestExport.node("NoSuchOperator", java.util.List.of("tokens"), "logits")));
        Path again = export.write(tmp.resolve("again"), java.util.Map.of("head.onnx", bytes), m -> { });
        assertThatThrownBy(() -> LayerShuffleModel.load(again)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("head (head.onnx)").hasMessageContaining("cannot load")
                .hasCauseInstanceOf(ai.onnxruntime.OrtException.class);
    }

    @Test
    void graphWhoseTensorsDifferFromTheManifestIsRefused() throws Exception {
        // block-00.onnx of a -position export takes a position input the plain manifest does not list
        TestExport position = TestExport.of(Variant.LAYERSHUFFLE_POSITION, 21);
        byte[] bytes = position.blockGraph(0);
        Files.write(dir.resolve("block-00.onnx"), bytes);
        Path again = export.write(tmp.resolve("again"), m -> ((ObjectNode) m.get("blocks").get(0))
                .put("sha256", LoadedExport.sha256(bytes)));
        Files.write(again.resolve("block-00.onnx"), bytes);
        assertThatThrownBy(() -> LayerShuffleModel.load(again)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("block 0 (block-00.onnx)").hasMessageContaining("position");
    }

    @Test
    void manifestOfANewerVersionIsRefusedNamingBothVersions() {
        Path p = edited(m -> m.put("version", 2));
        assertThatThrownBy(() -> LayerShuffleModel.load(p)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("manifest.json").hasMessageContaining("version 2")
                .hasMessageContaining("(1)");
    }

    @Test
    void manifestWithMissingFieldsNamesThem() {
        for (String field : new String[] {"family", "config", "stem", "head", "blocks", "format", "version"}) {
            Path p = export.write(tmp.resolve("no-" + field), m -> m.remove(field));
            assertThatThrownBy(() -> LayerShuffleModel.load(p)).as(field).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("'" + field + "'");
        }
        Path noHash = export.write(tmp.resolve("no-hash"), m -> ((ObjectNode) m.get("blocks").get(2)).remove("sha256"));
        assertThatThrownBy(() -> LayerShuffleModel.load(noHash)).hasMessageContaining("blocks[2]")
                .hasMessageContaining("'sha256' is missing");
        Path noFile = export.write(tmp.resolve("no-file"), m -> ((ObjectNode) m.get("head")).remove("file"));
        assertThatThrownBy(() -> LayerShuffleModel.load(noFile)).hasMessageContaining("head: field 'file' is missing");
        Path noConfigField = export.write(tmp.resolve("no-width"),
                m -> ((ObjectNode) m.get("config")).remove("width"));
        assertThatThrownBy(() -> LayerShuffleModel.load(noConfigField)).hasMessageContaining("'width' is missing");
        Path notAnExport = export.write(tmp.resolve("format"), m -> m.put("format", "layershuffle-checkpoint"));
        assertThatThrownBy(() -> LayerShuffleModel.load(notAnExport))
                .hasMessageContaining("'layershuffle-checkpoint', expected 'layershuffle-export'");
        Path missingManifest = tmp.resolve("empty");
        assertThatThrownBy(() -> LayerShuffleModel.load(missingManifest)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("empty");
    }

    @Test
    void fileNamesThatLeaveTheDirectoryAreRefused() throws Exception {
        Files.copy(dir.resolve("head.onnx"), tmp.resolve("head.onnx"));
        for (String name : new String[] {"../head.onnx", tmp.resolve("head.onnx").toString(), "sub/head.onnx", "..",
                "..\\head.onnx", ""}) {
            Path p = export.write(tmp.resolve("escape"), m -> ((ObjectNode) m.get("head")).put("file", name));
            assertThatThrownBy(() -> LayerShuffleModel.load(p)).as(name).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining(name.isEmpty() ? "'file' is missing or blank" : "'" + name + "'");
        }
    }

    @Test
    void blockCountAndIndicesMustMatchTheConfig() {
        Path p = export.write(tmp.resolve("index"), m -> ((ObjectNode) m.get("blocks").get(1)).put("index", 3));
        assertThatThrownBy(() -> LayerShuffleModel.load(p)).hasMessageContaining("blocks[1] has index 3, expected 1");
        Path q = export.write(tmp.resolve("count"), m -> ((com.fasterxml.jackson.databind.node.ArrayNode)
                m.get("blocks")).remove(3));
        assertThatThrownBy(() -> LayerShuffleModel.load(q)).hasMessageContaining("has 3 blocks but config.depth is 4");
    }

    @Test
    void badImagesAreRefusedNamingTheFault() {
        try (LayerShuffleModel model = LayerShuffleModel.load(dir)) {
            float[][][][] good = TestExport.images(export.config, 2, 1);
            assertThatThrownBy(() -> model.predict(new float[0][1][4][4])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("empty batch");
            assertThatThrownBy(() -> model.predict(new float[2][3][4][4])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("pixels[0] has 3 channels").hasMessageContaining("takes 1");
            assertThatThrownBy(() -> model.predict(new float[1][1][5][5])).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("pixels[0][0] has 5 rows").hasMessageContaining("4x4");
            float[][][][] ragged = TestExport.images(export.config, 2, 1);
            ragged[1][0][2] = new float[3];
            assertThatThrownBy(() -> model.predict(ragged)).hasMessageContaining("pixels[1][0][2] has 3 columns");
            float[][][][] nan = TestExport.images(export.config, 2, 1);
            nan[1][0][3][2] = Float.NaN;
            assertThatThrownBy(() -> model.predict(nan)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("pixels[1][0][3][2] is NaN");
            float[][][][] inf = TestExport.images(export.config, 2, 1);
            inf[0][0][0][1] = Float.NEGATIVE_INFINITY;
            assertThatThrownBy(() -> model.predict(inf, ExecutionPolicy.random(1)))
                    .hasMessageContaining("pixels[0][0][0][1] is -Infinity");
            // the model still works afterwards
            assertThat(model.predict(good).batchSize()).isEqualTo(2);
        }
    }

    @Test
    void badBuffersAreRefusedNamingTheFault() {
        try (LayerShuffleModel model = LayerShuffleModel.load(dir)) {
            ExecutionPlan plan = ExecutionPlan.sequential(4);
            FloatBuffer sixteen = FloatBuffer.allocate(16);
            assertThatThrownBy(() -> model.predict(sixteen, new long[] {1, 4, 4}, plan))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 3");
            assertThatThrownBy(() -> model.predict(sixteen, new long[] {1, 1, 2, 8}, plan))
                    .hasMessageContaining("height is 2");
            assertThatThrownBy(() -> model.predict(FloatBuffer.allocate(48), new long[] {1, 3, 4, 4}, plan))
                    .hasMessageContaining("channels is 3");
            assertThatThrownBy(() -> model.predict(FloatBuffer.allocate(0), new long[] {0, 1, 4, 4}, plan))
                    .hasMessageContaining("empty batch");
            assertThatThrownBy(() -> model.predict(FloatBuffer.allocate(20), new long[] {1, 1, 4, 4}, plan))
                    .hasMessageContaining("20 values").hasMessageContaining("needs 16");
            FloatBuffer inf = FloatBuffer.allocate(32);
            inf.put(16 + 4 * 2 + 3, Float.POSITIVE_INFINITY);
            assertThatThrownBy(() -> model.predict(inf, new long[] {2, 1, 4, 4}, plan))
                    .hasMessageContaining("pixels[1][0][2][3]").hasMessageContaining("+Infinity");
        }
    }

    @Test
    void badTokensAndPlansAreRefused() throws Exception {
        try (LayerShuffleModel model = LayerShuffleModel.load(dir)) {
            assertThatThrownBy(() -> model.predict(TestExport.images(export.config, 1, 1), ExecutionPlan.sequential(5)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("made for 5 blocks")
                    .hasMessageContaining("has 4");
            assertThatThrownBy(() -> model.predict(TestExport.images(export.config, 1, 1), ExecutionPolicy.fixed(0, 4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block 4");
            try (OnnxTensor wrong = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), new float[2][5][4])) {
                assertThatThrownBy(() -> model.block(0).apply(wrong, 0)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("[batch >= 1, 5, 3]").hasMessageContaining("[2, 5, 4]");
                assertThatThrownBy(() -> model.run(wrong, ExecutionPolicy.sequential()))
                        .isInstanceOf(IllegalArgumentException.class);
                assertThatThrownBy(() -> model.head(wrong)).isInstanceOf(IllegalArgumentException.class);
            }
            OnnxTensor closed = model.stem(TestExport.images(export.config, 1, 1));
            closed.close();
            assertThatThrownBy(() -> model.block(0).apply(closed, 0)).hasMessageContaining("closed");
        }
    }

    @Test
    void positionOutsideTheTrainedDepthIsRefused() {
        TestExport position = TestExport.of(Variant.LAYERSHUFFLE_POSITION, 2);
        try (LayerShuffleModel model = LayerShuffleModel.load(position.write(tmp.resolve("p")));
             OnnxTensor tokens = model.stem(TestExport.images(position.config, 1, 1))) {
            assertThatThrownBy(() -> model.block(0).apply(tokens, 4)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("slot 4 is out of range [0, 4)");
        }
    }

    @Test
    void cudaWithoutTheGpuArtifactNamesIt() {
        Assumptions.assumeFalse(OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA),
                "this ONNX Runtime has CUDA; the refusal cannot be observed");
        assertThatThrownBy(() -> LayerShuffleModel.load(dir, RuntimeOptions.builder().cuda(0).build()))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("onnxruntime_gpu")
                .hasMessageContaining("CUDA");
    }

    @Test
    void negativeOptionsAreRefusedByName() {
        assertThatThrownBy(() -> RuntimeOptions.builder().intraOpThreads(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("intraOpThreads");
        assertThatThrownBy(() -> RuntimeOptions.builder().tokenPoolBytes(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokenPoolBytes");
    }
}
