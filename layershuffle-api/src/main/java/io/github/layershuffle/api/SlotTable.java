package io.github.layershuffle.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Where LayerShuffle-position keeps its slot embedding, the table of {@code depth} rows of
 * {@link ModelConfig#positionEmbeddingWidth()} values whose row {@code p} a block reads when it runs in slot
 * {@code p}.
 */
public enum SlotTable {
    /**
     * One table shared by every block, as the authors' code has it (a single zero-initialised
     * {@code Embedding(L, 32)} in the encoder): each row learns from every block that runs in its slot. Stored
     * once in a checkpoint, as {@code encoder.slot_table}; an export copies it into each block graph.
     */
    SHARED("shared"),
    /**
     * Each block its own table, {@code blocks.i.pos.embed}: the form of checkpoints whose config predates the
     * {@code slotTable} field.
     */
    PER_BLOCK("per-block");

    private final String id;

    SlotTable(String id) {
        this.id = id;
    }

    /** The name used in JSON, e.g. {@code per-block}. */
    public String id() {
        return id;
    }

    /**
     * The form with this id (case-insensitive; {@code _} is accepted for {@code -}).
     *
     * @throws IllegalArgumentException naming the id and the valid choices
     */
    public static SlotTable fromId(String id) {
        if (id != null) {
            String norm = id.strip().toLowerCase(Locale.ROOT).replace('_', '-');
            for (SlotTable t : values()) {
                if (t.id.equals(norm)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("unknown slot table '" + id + "', expected one of "
                + Arrays.stream(values()).map(SlotTable::id).collect(Collectors.joining(", ", "[", "]")));
    }

    @Override
    public String toString() {
        return id;
    }
}
