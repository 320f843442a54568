package io.github.layershuffle.samples.swarm.client;

import java.util.List;

/**
 * Servers that returned different outputs for the same hop, found by {@link Verify}.
 *
 * @param stage         the part
 * @param block         its block index, -1 for the stem and the head
 * @param slot          the slot the block ran in, -1 for the stem and the head
 * @param agreeing      the servers of the majority, whose output was used (empty when none formed)
 * @param disagreeing   the servers outvoted, each banned; when no majority formed, every server asked
 * @param maxDifference the largest absolute difference between an outvoted output and the majority's (or between
 *                      the outputs, when no majority formed)
 * @param resolved      whether a majority formed
 */
public record Mismatch(Hop.Stage stage, int block, int slot, List<String> agreeing, List<String> disagreeing,
                       double maxDifference, boolean resolved) {

    /** Copies. */
    public Mismatch {
        agreeing = List.copyOf(agreeing);
        disagreeing = List.copyOf(disagreeing);
    }

    /** e.g. {@code block 2 (slot 0): [b] disagreed with [a, c] by 0.73, banned}. */
    @Override
    public String toString() {
        String part = stage == Hop.Stage.BLOCK ? "block " + block + " (slot " + slot + ")"
                : stage.name().toLowerCase(java.util.Locale.ROOT);
        return part + ": " + disagreeing + (resolved ? " disagreed with " + agreeing + " by " + maxDifference
                + ", banned" : " disagree by " + maxDifference + ", no majority");
    }
}
