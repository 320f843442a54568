package io.github.layershuffle.onnx.export;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.VitLayout;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shared slot table is stored once in the checkpoint but copied into every -position block graph, so each
 * block file stands alone; {@code model.onnx} holds it once.
 */
class SlotTableExportTest {
    @TempDir
    Path tmp;

    private static List<OnnxMl.TensorProto> tables(Path file, String name) throws IOException {
        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        return model.getGraph().getInitializerList().stream().filter(t -> t.getName().equals(name)).toList();
    }

    private static float[] floats(OnnxMl.TensorProto t) {
        var buffer = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] data = new float[buffer.remaining()];
        buffer.get(data);
        return data;
    }

    @Test
    void everyBlockGraphCarriesACopyOfTheSharedTable() throws IOException {
        ModelConfig config = TinyModels.config(Variant.LAYERSHUFFLE_POSITION, 1);
        assertThat(config.slotTable()).isEqualTo(SlotTable.SHARED);
        Checkpoint ckpt = TinyModels.checkpoint(config, 4);
        Path dir = OnnxExporter.builder().optFullModel(true).build().export(ckpt, tmp.resolve("shared"));
        float[] table = ckpt.tensor(VitLayout.SLOT_TABLE).data();
        for (int i = 0; i < config.depth(); i++) {
            List<OnnxMl.TensorProto> copies = tables(dir.resolve(OnnxExporter.blockFile(i)), VitLayout.SLOT_TABLE);
            assertThat(copies).as("block %d", i).hasSize(1);
            assertThat(copies.get(0).getDimsList()).containsExactly((long) config.depth(), 6L);
            assertThat(floats(copies.get(0))).containsExactly(table);
        }
        assertThat(tables(dir.resolve("model.onnx"), VitLayout.SLOT_TABLE)).as("stored once").hasSize(1);
        assertThat(tables(dir.resolve("stem.onnx"), VitLayout.SLOT_TABLE)).isEmpty();
    }

    @Test
    void perBlockTablesGoEachIntoItsOwnBlock() throws IOException {
        ModelConfig config = TinyModels.config(Variant.LAYERSHUFFLE_POSITION, 1).toBuilder()
                .slotTable(SlotTable.PER_BLOCK).build();
        Checkpoint ckpt = TinyModels.checkpoint(config, 5);
        Path dir = OnnxExporter.create().export(ckpt, tmp.resolve("per-block"));
        for (int i = 0; i < config.depth(); i++) {
            String name = VitLayout.block(i) + "pos.embed";
            List<OnnxMl.TensorProto> own = tables(dir.resolve(OnnxExporter.blockFile(i)), name);
            assertThat(own).as("block %d", i).hasSize(1);
            assertThat(floats(own.get(0))).containsExactly(ckpt.tensor(name).data());
            assertThat(tables(dir.resolve(OnnxExporter.blockFile(i)), VitLayout.SLOT_TABLE)).isEmpty();
        }
    }
}
