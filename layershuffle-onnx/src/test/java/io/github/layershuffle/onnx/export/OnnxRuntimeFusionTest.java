package io.github.layershuffle.onnx.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.github.layershuffle.api.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The exported graphs in the form ONNX Runtime's graph optimiser fuses: the exact GELU of every MLP (and of the
 * -position branch) becomes one kernel instead of five element-wise passes. Read from the model ONNX Runtime
 * writes after optimising.
 */
class OnnxRuntimeFusionTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Variant.class)
    void everyGeluIsFusedIntoOneKernel(Variant variant) throws Exception {
        Path export = OnnxExporter.builder().build()
                .export(TinyModels.checkpoint(TinyModels.config(variant, 1), 4), tmp.resolve("e"));
        List<String> ops = optimisedOps(export.resolve("block-01.onnx"));
        assertThat(ops).doesNotContain("Erf");
        long gelus = ops.stream().filter(op -> op.endsWith("Gelu")).count();
        assertThat(gelus).as("fused GELUs in %s", ops).isEqualTo(variant.usesPosition() ? 2 : 1);
    }

    private List<String> optimisedOps(Path graph) throws Exception {
        Path optimised = tmp.resolve("optimised.onnx");
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            // EXTENDED: the fusions that do not depend on this CPU's instruction set
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.EXTENDED_OPT);
            options.setOptimizedModelFilePath(optimised.toString());
            OrtEnvironment.getEnvironment().createSession(graph.toString(), options).close();
        }
        return OnnxMl.ModelProto.parseFrom(Files.readAllBytes(optimised)).getGraph().getNodeList().stream()
                .map(OnnxMl.NodeProto::getOpType).toList();
    }
}
