package io.github.layershuffle.train.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.IncompatibleBlocksException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointMergeTest {
    @TempDir
    Path dir;

    /** A checkpoint whose every value is {@code tag}: which source a tensor came from is visible. */
    static Checkpoint constant(ModelConfig config, String family, float tag) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        VitLayout.shapes(config).forEach((name, shape) -> {
            float[] data = new float[Math.toIntExact(Tensor.elementCount(shape))];
            java.util.Arrays.fill(data, tag);
            tensors.put(name, new Tensor(name, shape, data));
        });
        return new Checkpoint(config, family, Map.of(), tensors);
    }

    static ModelConfig config(Variant variant, int depth) {
        return ModelConfig.builder().imageSize(8).patchSize(4).width(8).depth(depth).heads(2).mlpWidth(16)
                .classes(3).variant(variant).build();
    }

    @Test
    void slotsTakeTheNamedBlocksOfOneFamily() {
        ModelConfig c = config(Variant.LAYERSHUFFLE, 3);
        List<CheckpointMerge.Source> sources = List.of(new CheckpointMerge.Source("a", constant(c, "fam", 1)),
                new CheckpointMerge.Source("b", constant(c, "fam", 2)));
        Checkpoint merged = CheckpointMerge.merge(sources, List.of(new CheckpointMerge.Slot(1, 2),
                new CheckpointMerge.Slot(0, 0), new CheckpointMerge.Slot(1, 2), new CheckpointMerge.Slot(1, 0)),
                0, 1);
        assertThat(merged.config().depth()).isEqualTo(4);
        assertThat(merged.family()).isEqualTo("fam");
        assertThat(merged.tensor("stem.patch.weight").data()[0]).isEqualTo(1f);
        assertThat(merged.tensor("head.fc.weight").data()[0]).isEqualTo(2f);
        assertThat(merged.tensor("blocks.0.attn.qkv.weight").data()[0]).isEqualTo(2f);
        assertThat(merged.tensor("blocks.1.mlp.fc1.bias").data()[0]).isEqualTo(1f);
        assertThat(merged.tensor("blocks.3.norm2.weight").data()[0]).isEqualTo(2f);
        assertThat(merged.metadata().get("merged_slots")).isEqualTo("b:2 a:0 b:2 b:0");
        Path file = dir.resolve("merged.safetensors");
        merged.write(file);
        assertThat(Checkpoint.read(file).tensors().keySet()).isEqualTo(merged.tensors().keySet());
    }

    @Test
    void anotherFamilyIsRefusedNamingTheSlot() {
        ModelConfig c = config(Variant.LAYERSHUFFLE, 2);
        List<CheckpointMerge.Source> sources = List.of(new CheckpointMerge.Source("a.safetensors",
                constant(c, "one", 1)), new CheckpointMerge.Source("b.safetensors", constant(c, "two", 2)));
        assertThatThrownBy(() -> CheckpointMerge.merge(sources, List.of(new CheckpointMerge.Slot(0, 0),
                new CheckpointMerge.Slot(1, 1))))
                .isInstanceOf(IncompatibleBlocksException.class).hasMessageContaining("slot 1")
                .hasMessageContaining("b.safetensors").hasMessageContaining("family 'two'");
    }

    @Test
    void otherMismatchesAreRefused() {
        ModelConfig c = config(Variant.LAYERSHUFFLE, 2);
        List<CheckpointMerge.Source> variants = List.of(new CheckpointMerge.Source("a", constant(c, "f", 1)),
                new CheckpointMerge.Source("b", constant(c.withVariant(Variant.BASELINE), "f", 2)));
        assertThatThrownBy(() -> CheckpointMerge.merge(variants, List.of(new CheckpointMerge.Slot(1, 0))))
                .isInstanceOf(IncompatibleBlocksException.class).hasMessageContaining("variant");
        List<CheckpointMerge.Source> one = List.of(new CheckpointMerge.Source("a", constant(c, "f", 1)));
        assertThatThrownBy(() -> CheckpointMerge.merge(one, List.of(new CheckpointMerge.Slot(0, 2))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block 2 of a")
                .hasMessageContaining("blocks 0 to 1");
        assertThatThrownBy(() -> CheckpointMerge.merge(one, List.of(new CheckpointMerge.Slot(1, 0))))
                .hasMessageContaining("source 1");
        ModelConfig p = config(Variant.LAYERSHUFFLE_POSITION, 2);
        List<CheckpointMerge.Source> position = List.of(new CheckpointMerge.Source("p", constant(p, "f", 1)));
        assertThatThrownBy(() -> CheckpointMerge.merge(position, List.of(new CheckpointMerge.Slot(0, 0))))
                .hasMessageContaining("exactly 2 slots");
        assertThat(CheckpointMerge.merge(position, List.of(new CheckpointMerge.Slot(0, 1),
                new CheckpointMerge.Slot(0, 0))).tensor("blocks.1.pos.embed").shape()).containsExactly(2, 32);
    }

    /** A copy of {@code c} with tensor {@code name} filled with {@code value}. */
    static Checkpoint with(Checkpoint c, String name, float value) {
        Map<String, Tensor> tensors = new LinkedHashMap<>(c.tensors());
        float[] data = new float[c.tensor(name).data().length];
        java.util.Arrays.fill(data, value);
        tensors.put(name, new Tensor(name, c.tensor(name).shape(), data));
        return new Checkpoint(c.config(), c.family(), c.metadata(), tensors);
    }

    @Test
    void positionBlocksKeepTheSlotTableTheyWereTrainedWith() {
        ModelConfig shared = config(Variant.LAYERSHUFFLE_POSITION, 2);
        ModelConfig perBlock = shared.toBuilder().slotTable(SlotTable.PER_BLOCK).build();
        Checkpoint a = with(constant(shared, "f", 1), VitLayout.SLOT_TABLE, 5);
        Checkpoint b = with(constant(perBlock, "f", 2), "blocks.0.pos.embed", 7);
        Checkpoint merged = CheckpointMerge.merge(List.of(new CheckpointMerge.Source("a", a),
                new CheckpointMerge.Source("b", b)), List.of(new CheckpointMerge.Slot(1, 0),
                new CheckpointMerge.Slot(0, 1)));
        assertThat(merged.config().slotTable()).isEqualTo(SlotTable.PER_BLOCK);
        assertThat(merged.tensors()).doesNotContainKey(VitLayout.SLOT_TABLE);
        assertThat(merged.tensor("blocks.0.pos.embed").data()).as("b's own table of its block 0").containsOnly(7f);
        assertThat(merged.tensor("blocks.1.pos.embed").data()).as("a's shared table").containsOnly(5f);
        assertThat(merged.tensor("blocks.1.pos.proj.weight").data()).containsOnly(1f);

        // one shared-table source merged with itself computes what it computes: the same table in every slot
        Checkpoint self = CheckpointMerge.merge(List.of(new CheckpointMerge.Source("a", a)),
                List.of(new CheckpointMerge.Slot(0, 0), new CheckpointMerge.Slot(0, 1)));
        assertThat(self.tensor("blocks.0.pos.embed")).isEqualTo(a.tensor(VitLayout.SLOT_TABLE)
                .renamed("blocks.0.pos.embed"));
        assertThat(self.tensor("blocks.1.pos.embed").data()).containsExactly(a.tensor(VitLayout.SLOT_TABLE).data());
        // other variants keep the stem's form
        ModelConfig plain = config(Variant.LAYERSHUFFLE, 2);
        assertThat(CheckpointMerge.merge(List.of(new CheckpointMerge.Source("p", constant(plain, "f", 1))),
                List.of(new CheckpointMerge.Slot(0, 1))).config().slotTable()).isEqualTo(plain.slotTable());
    }

    @Test
    void randomSlotsUseDistinctSourcesWhileTheyLast() {
        List<CheckpointMerge.Slot> slots = CheckpointMerge.randomSlots(12, 12, new Random(1));
        Set<Integer> sources = new HashSet<>();
        for (int i = 0; i < 12; i++) {
            assertThat(slots.get(i).block()).isEqualTo(i);
            sources.add(slots.get(i).source());
        }
        assertThat(sources).hasSize(12);
        List<CheckpointMerge.Slot> few = CheckpointMerge.randomSlots(3, 7, new Random(2));
        assertThat(few.stream().filter(s -> s.source() == 0).count()).isBetween(2L, 3L);
        assertThat(CheckpointMerge.randomSlots(12, 12, new Random(1))).isEqualTo(slots);
    }
}
