package io.github.layershuffle.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How LayerShuffle-predict's auxiliary loss combines the cross-entropies of the slots that ran: each slot's
 * cross-entropy of its position logits against the slot it ran in, averaged over the batch, then reduced
 * over the slots.
 */
public enum LossReduction {
    /**
     * The mean over slots: one cross-entropy over all slots' logits concatenated, as the authors' code
     * computes it ({@code cross_entropy(torch.cat(position_logits), torch.cat(position_targets))}).
     */
    MEAN("mean"),
    /** The sum over slots, {@code depth} times the mean for a full plan: this library's earlier form. */
    SUM("sum");

    private final String id;

    LossReduction(String id) {
        this.id = id;
    }

    /** The name used in JSON, e.g. {@code mean}. */
    public String id() {
        return id;
    }

    /**
     * The reduction with this id (case-insensitive).
     *
     * @throws IllegalArgumentException naming the id and the valid choices
     */
    public static LossReduction fromId(String id) {
        if (id != null) {
            String norm = id.strip().toLowerCase(Locale.ROOT);
            for (LossReduction r : values()) {
                if (r.id.equals(norm)) {
                    return r;
                }
            }
        }
        throw new IllegalArgumentException("unknown loss reduction '" + id + "', expected one of "
                + Arrays.stream(values()).map(LossReduction::id).collect(Collectors.joining(", ", "[", "]")));
    }

    @Override
    public String toString() {
        return id;
    }
}
