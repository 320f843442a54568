package io.github.layershuffle.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.LossReduction;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.Variant;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CheckpointTest {
    @TempDir
    Path dir;

    static ModelConfig tiny(Variant variant) {
        return ModelConfig.builder().imageSize(8).patchSize(4).channels(1).width(8).heads(2).depth(3)
                .mlpWidth(16).classes(3).positionEmbeddingWidth(4).variant(variant).build();
    }

    static Checkpoint random(ModelConfig config, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        VitLayout.shapes(config).forEach((name, shape) -> {
            float[] data = new float[(int) Tensor.elementCount(shape)];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) r.nextGaussian();
            }
            tensors.put(name, new Tensor(name, shape, data));
        });
        return new Checkpoint(config, "fam-1", Map.of("epoch", "3"), tensors);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void roundTripsBitExactly(Variant variant) {
        Checkpoint ckpt = random(tiny(variant), 1);
        Path file = dir.resolve("c.safetensors");
        ckpt.write(file);
        Checkpoint back = Checkpoint.read(file);
        assertThat(back).isEqualTo(ckpt);
        assertThat(back.metadata()).containsEntry("epoch", "3").doesNotContainKey("config");
        assertThat(back.identity().family()).isEqualTo("fam-1");
    }

    @Test
    void variantLayoutsHaveTheirExtraTensors() {
        ModelConfig position = tiny(Variant.LAYERSHUFFLE_POSITION);
        assertThat(VitLayout.shapes(position)).doesNotContainKey("blocks.2.pos.embed");
        assertThat(VitLayout.shapes(position).get(VitLayout.SLOT_TABLE)).containsExactly(3, 4);
        assertThat(VitLayout.slotTable(position, 2)).isEqualTo(VitLayout.SLOT_TABLE);
        ModelConfig perBlock = position.toBuilder().slotTable(SlotTable.PER_BLOCK).build();
        assertThat(VitLayout.shapes(perBlock).get("blocks.2.pos.embed")).containsExactly(3, 4);
        assertThat(VitLayout.shapes(perBlock)).doesNotContainKey(VitLayout.SLOT_TABLE);
        assertThat(VitLayout.slotTable(perBlock, 2)).isEqualTo("blocks.2.pos.embed");
        assertThat(new java.util.ArrayList<>(VitLayout.shapes(position).keySet()).indexOf(VitLayout.SLOT_TABLE))
                .as("after the stem, before the blocks").isEqualTo(4);
        assertThatThrownBy(() -> VitLayout.slotTable(tiny(Variant.LAYERSHUFFLE), 0))
                .hasMessageContaining("no slot table");
        assertThat(VitLayout.shapes(tiny(Variant.BASELINE).toBuilder().slotTable(SlotTable.SHARED).build()))
                .doesNotContainKey(VitLayout.SLOT_TABLE);
        assertThat(VitLayout.shapes(tiny(Variant.LAYERSHUFFLE_POSITION)).get("blocks.0.pos.proj.weight"))
                .containsExactly(8, 12);
        assertThat(VitLayout.shapes(tiny(Variant.LAYERSHUFFLE_PREDICT)).get("blocks.1.predict.fc.weight"))
                .containsExactly(3, 8);
        assertThat(VitLayout.shapes(tiny(Variant.LAYERSHUFFLE))).doesNotContainKey("blocks.0.pos.embed");
    }

    @Test
    void wrongShapeMissingAndExtraTensorsAreNamed() {
        Checkpoint good = random(tiny(Variant.BASELINE), 2);
        Map<String, Tensor> t = new LinkedHashMap<>(good.tensors());
        t.put("blocks.1.mlp.fc1.weight", Tensor.zeros("blocks.1.mlp.fc1.weight", 16, 9));
        assertThatThrownBy(() -> new Checkpoint(good.config(), "f", Map.of(), t))
                .isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("blocks.1.mlp.fc1.weight").hasMessageContaining("[16, 9]")
                .hasMessageContaining("[16, 8]");
        t.remove("blocks.1.mlp.fc1.weight");
        assertThatThrownBy(() -> new Checkpoint(good.config(), "f", Map.of(), t))
                .hasMessageContaining("'blocks.1.mlp.fc1.weight' is missing");
        Map<String, Tensor> extra = new LinkedHashMap<>(good.tensors());
        extra.put("blocks.9.norm1.weight", Tensor.zeros("blocks.9.norm1.weight", 8));
        assertThatThrownBy(() -> new Checkpoint(good.config(), "f", Map.of(), extra))
                .hasMessageContaining("blocks.9.norm1.weight");
        // a file's names and shapes are cut in the message: a name of a million characters, a shape of rank 10,000
        Map<String, Tensor> hostile = new LinkedHashMap<>(good.tensors());
        String longName = "n".repeat(1_000_000);
        hostile.put(longName, Tensor.zeros(longName, 1));
        assertThatThrownBy(() -> new Checkpoint(good.config(), "f", Map.of(), hostile))
                .hasMessageContaining("is not part of").hasMessageContaining("1000000 chars")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(1_000));
        Map<String, Tensor> deep = new LinkedHashMap<>(good.tensors());
        long[] dims = new long[10_000];
        java.util.Arrays.fill(dims, 1);
        dims[0] = 16;
        dims[1] = 8;
        deep.put("blocks.1.mlp.fc1.weight", new Tensor("blocks.1.mlp.fc1.weight", dims, new float[128]));
        assertThatThrownBy(() -> new Checkpoint(good.config(), "f", Map.of(), deep))
                .hasMessageContaining("[16, 8, 1, 1, 1, 1, 1, 1, ...] (rank 10000)")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(1_000));
    }

    @Test
    void truncatedFileIsRefusedNamingFileAndTensor() throws IOException {
        Path file = dir.resolve("t.safetensors");
        random(tiny(Variant.BASELINE), 3).write(file);
        byte[] bytes = Files.readAllBytes(file);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, Arrays.copyOf(bytes, bytes.length - 10));
        assertThatThrownBy(() -> Checkpoint.read(cut))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining(cut.toString())
                .hasMessageContaining("head.fc.bias").hasMessageContaining("truncated");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Checkpoint.read(tiny)).hasMessageContaining("shorter than");
        Path garbage = dir.resolve("garbage.safetensors");
        Files.write(garbage, Arrays.copyOf(bytes, 20));
        assertThatThrownBy(() -> Checkpoint.read(garbage)).hasMessageContaining("header");
        assertThatThrownBy(() -> Checkpoint.read(dir.resolve("none.safetensors"))).hasMessageContaining("does not exist");
    }

    @Test
    void aPlainSafetensorsFileIsNotACheckpoint() {
        Path file = dir.resolve("plain.safetensors");
        Safetensors.write(file, Map.of(), List.of(new Tensor("w", new long[] {2}, new float[] {1, 2})));
        assertThatThrownBy(() -> Checkpoint.read(file)).hasMessageContaining("not a layershuffle checkpoint");
    }

    /** A -position checkpoint written before the slotTable field existed: one table per block, no field. */
    @Test
    void aPerBlockCheckpointWithoutTheFieldReadsAsPerBlock() throws IOException {
        ModelConfig perBlock = tiny(Variant.LAYERSHUFFLE_POSITION).toBuilder().slotTable(SlotTable.PER_BLOCK).build();
        Checkpoint ckpt = random(perBlock, 6);
        com.fasterxml.jackson.databind.node.ObjectNode json = perBlock.toJsonNode();
        json.remove("slotTable");
        Path old = dir.resolve("old.safetensors");
        Safetensors.write(old, metadata(json.toString()), ckpt.tensors().values());
        Checkpoint back = Checkpoint.read(old);
        assertThat(back.config().slotTable()).isEqualTo(SlotTable.PER_BLOCK);
        assertThat(back).isEqualTo(ckpt);

        // a config that names its table is taken at its word: per-block tensors under "shared" are refused
        json.put("slotTable", "shared");
        Path lying = dir.resolve("lying.safetensors");
        Safetensors.write(lying, metadata(json.toString()), ckpt.tensors().values());
        assertThatThrownBy(() -> Checkpoint.read(lying)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("lying.safetensors").hasMessageContaining(VitLayout.SLOT_TABLE);
    }

    /** A -predict checkpoint written before predictLossReduction existed was trained with the sum over slots. */
    @Test
    void aPredictCheckpointWithoutTheFieldReadsAsTheSumItWasTrainedWith() throws IOException {
        ModelConfig predict = tiny(Variant.LAYERSHUFFLE_PREDICT);
        Checkpoint ckpt = random(predict, 7);
        com.fasterxml.jackson.databind.node.ObjectNode json = predict.toJsonNode();
        json.remove("predictLossReduction");
        Path old = dir.resolve("old-predict.safetensors");
        Safetensors.write(old, metadata(json.toString()), ckpt.tensors().values());
        assertThat(Checkpoint.read(old).config().predictLossReduction()).isEqualTo(LossReduction.SUM);

        // with the field, or for a variant without an auxiliary loss, the config is read as written
        Path current = dir.resolve("current.safetensors");
        ckpt.write(current);
        assertThat(Checkpoint.read(current).config().predictLossReduction()).isEqualTo(LossReduction.MEAN);
        ModelConfig baseline = tiny(Variant.BASELINE);
        com.fasterxml.jackson.databind.node.ObjectNode plain = baseline.toJsonNode();
        plain.remove("predictLossReduction");
        plain.remove("slotTable");
        Path base = dir.resolve("old-baseline.safetensors");
        Safetensors.write(base, metadata(plain.toString()), random(baseline, 8).tensors().values());
        assertThat(Checkpoint.read(base).config()).isEqualTo(baseline);
    }

    private static Map<String, String> metadata(String configJson) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", Checkpoint.FORMAT);
        meta.put("version", "1");
        meta.put("config", configJson);
        meta.put("family", "fam-1");
        meta.put("epoch", "3");
        return meta;
    }

    @Test
    void newerVersionIsRefused() {
        Path file = dir.resolve("v2.safetensors");
        Checkpoint ckpt = random(tiny(Variant.BASELINE), 4);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", Checkpoint.FORMAT);
        meta.put("version", "2");
        meta.put("config", ckpt.config().toJson());
        meta.put("family", "f");
        Safetensors.write(file, meta, ckpt.tensors().values());
        assertThatThrownBy(() -> Checkpoint.read(file)).hasMessageContaining("version 2");
    }

    @Test
    void failedWriteLeavesTheOldFile() throws IOException {
        Path file = dir.resolve("keep.safetensors");
        Checkpoint ckpt = random(tiny(Variant.BASELINE), 5);
        ckpt.write(file);
        byte[] before = Files.readAllBytes(file);
        Tensor bad = new Tensor("x", new long[] {1}, new float[] {1});
        assertThatThrownBy(() -> Safetensors.write(file, Map.of(), List.of(bad, bad)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AtomicFiles.write(file, out -> {
            out.write(new byte[] {1, 2, 3});
            throw new IOException("disk full");
        })).hasMessageContaining("disk full");
        assertThat(Files.readAllBytes(file)).isEqualTo(before);
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("keep.safetensors");
        }
    }

    @Test
    void readsHalfPrecisionTensors() throws IOException {
        // header + two F16 values (1.0, -2.5) and two BF16 values (1.0, 3.0), written by hand
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h);
        buf.putShort((short) 0x3c00).putShort((short) 0xc100);
        buf.putShort((short) 0x3f80).putShort((short) 0x4040);
        Path file = dir.resolve("half.safetensors");
        Files.write(file, buf.array());
        SafetensorsFile st = Safetensors.read(file);
        assertThat(st.tensors().get("h").data()).containsExactly(1.0f, -2.5f);
        assertThat(st.tensors().get("b").data()).containsExactly(1.0f, 3.0f);
    }

    @Test
    void unknownDtypeIsNamed() throws IOException {
        String header = "{\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + h.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h).putLong(7);
        Path file = dir.resolve("i64.safetensors");
        Files.write(file, buf.array());
        assertThatThrownBy(() -> Safetensors.read(file)).hasMessageContaining("'i'").hasMessageContaining("I64");
    }
}
