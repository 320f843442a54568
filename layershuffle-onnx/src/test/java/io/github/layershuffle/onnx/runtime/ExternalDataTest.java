package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graph whose tensors point at data outside the model ({@code data_location = EXTERNAL}) would make ONNX
 * Runtime read any file of the host as weights. Each graph here comes with a manifest whose hashes match it, and
 * the file it points at exists, so nothing but the external-data check stops it.
 */
class ExternalDataTest {
    @TempDir
    Path tmp;

    private TestExport export;
    private HostileGraphs graphs;
    private String secret;

    @BeforeEach
    void writeSecret() throws Exception {
        export = TestExport.of(Variant.LAYERSHUFFLE, 41);
        graphs = new HostileGraphs(export.config);
        Path file = tmp.resolve("secret.bin");
        Files.write(file, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2f).array());
        secret = file.toAbsolutePath().toString();
    }

    private void assertRefused(String file, byte[] graph, String tensor, String location) {
        Path dir = export.write(tmp.resolve("export"), Map.of(file, graph), m -> { });
        assertThatThrownBy(() -> LayerShuffleModel.load(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(file).hasMessageContaining("tensor '" + tensor + "'")
                .hasMessageContaining("location '" + location + "'")
                .hasMessageContaining("external data is refused");
    }

    @Test
    void anInitializerWithAnAbsoluteLocationIsRefused() {
        assertRefused("block-01.onnx", graphs.blockWithExternalInitializer(secret), "a", secret);
    }

    @Test
    void aConstantAttributeThatClimbsOutWithDotDotIsRefused() {
        assertRefused("block-02.onnx", graphs.blockWithExternalConstant("../secret.bin"), "c", "../secret.bin");
    }

    @Test
    void externalDataInsideAnIfSubgraphIsRefused() {
        assertRefused("block-00.onnx", graphs.blockWithExternalDataInASubgraph(secret), "a", secret);
    }

    @Test
    void aSparseInitializerWithExternalValuesIsRefused() {
        assertRefused("block-03.onnx", graphs.blockWithExternalSparseInitializer("../../secret.bin"), "a",
                "../../secret.bin");
    }

    @Test
    void aModelWithFieldsTheSchemaDoesNotKnowIsRefused() {
        // field 1000, varint 1, appended to a valid block: ONNX Runtime would skip it, the check cannot see into it
        byte[] block = export.blockGraph(1);
        byte[] bytes = Arrays.copyOf(block, block.length + 3);
        bytes[block.length] = (byte) 0xC0;
        bytes[block.length + 1] = 0x3E;
        bytes[block.length + 2] = 0x01;
        Path dir = export.write(tmp.resolve("export"), Map.of("block-01.onnx", bytes), m -> { });
        assertThatThrownBy(() -> LayerShuffleModel.load(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("block-01.onnx").hasMessageContaining("[1000]")
                .hasMessageContaining("does not know");
    }
}
