package io.github.layershuffle.api;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a model was trained: the paper's baseline, LayerDrop, and the three LayerShuffle variants.
 *
 * <p>Each variant names the {@link ExecutionPolicy} that draws its training plans, so training and
 * inference share one notion of order.
 */
public enum Variant {
    /** Plain fine-tuning, blocks in their trained order. */
    BASELINE("baseline"),
    /** LayerDrop (Fan et al. 2019): each block skipped with probability {@link ModelConfig#layerDropRate()}. */
    LAYERDROP("layerdrop"),
    /** A fresh random permutation of the blocks for every training batch. */
    LAYERSHUFFLE("layershuffle"),
    /** LayerShuffle, and each block learns an embedding of the slot it runs in. */
    LAYERSHUFFLE_POSITION("layershuffle-position"),
    /** LayerShuffle, and each block predicts the slot it runs in, with an auxiliary cross-entropy loss. */
    LAYERSHUFFLE_PREDICT("layershuffle-predict");

    private final String id;

    Variant(String id) {
        this.id = id;
    }

    /** The name used in JSON, manifests and on the command line, e.g. {@code layershuffle-position}. */
    public String id() {
        return id;
    }

    /**
     * The variant with this id (case-insensitive; {@code _} is accepted for {@code -}).
     *
     * @throws IllegalArgumentException naming the id and the valid choices
     */
    public static Variant fromId(String id) {
        if (id != null) {
            String norm = id.strip().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
            for (Variant v : values()) {
                if (v.id.equals(norm)) {
                    return v;
                }
            }
        }
        throw new IllegalArgumentException("unknown variant '" + id + "', expected one of "
                + Arrays.stream(values()).map(Variant::id).collect(Collectors.joining(", ", "[", "]")));
    }

    /** Whether blocks take the slot they run in as an input (LayerShuffle-position). */
    public boolean usesPosition() {
        return this == LAYERSHUFFLE_POSITION;
    }

    /** Whether blocks also output logits over slots (LayerShuffle-predict). */
    public boolean predictsPosition() {
        return this == LAYERSHUFFLE_PREDICT;
    }

    /** Whether training shuffles the order of the blocks. */
    public boolean shuffles() {
        return this == LAYERSHUFFLE || this == LAYERSHUFFLE_POSITION || this == LAYERSHUFFLE_PREDICT;
    }

    /**
     * The policy that draws the training plans of this variant: {@code sequential()} for the baseline,
     * {@code sequential().drop(p)} for LayerDrop, {@code random()} for the LayerShuffle variants; seeded so a
     * training run is repeatable.
     */
    public ExecutionPolicy trainingPolicy(ModelConfig config, long seed) {
        return switch (this) {
            case BASELINE -> ExecutionPolicy.sequential();
            case LAYERDROP -> ExecutionPolicy.sequential().drop(config.layerDropRate()).seeded(seed);
            case LAYERSHUFFLE, LAYERSHUFFLE_POSITION, LAYERSHUFFLE_PREDICT -> ExecutionPolicy.random(seed);
        };
    }

    @Override
    public String toString() {
        return id;
    }
}
