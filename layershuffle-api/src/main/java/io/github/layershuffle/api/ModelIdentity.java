package io.github.layershuffle.api;

import java.util.Objects;

/**
 * Where blocks come from: the family (models fine-tuned from one base share it) and the model's config.
 * Blocks of two models can be combined only if their identities are {@linkplain #checkCompatible compatible}.
 *
 * @param family an id shared by all models fine-tuned from one base model
 * @param config the source model's config
 */
public record ModelIdentity(String family, ModelConfig config) {

    /** Checks both fields are present and the family is not blank. */
    public ModelIdentity {
        Objects.requireNonNull(family, "family");
        Objects.requireNonNull(config, "config");
        if (family.isBlank()) {
            throw new IllegalArgumentException("family must not be blank");
        }
    }

    /**
     * Checks that a block of {@code other} can run where a block of this model runs: same family, token
     * width, token count, variant, and (for LayerShuffle-position and -predict) the same depth, since their
     * slot embeddings and predictors are sized by it.
     *
     * @param what names the two sides in the message, e.g. "slot 3 (export b, block 7) vs slot 0"
     * @throws IncompatibleBlocksException naming the property, both values and {@code what}
     */
    public void checkCompatible(ModelIdentity other, String what) {
        if (!family.equals(other.family)) {
            throw new IncompatibleBlocksException(what + ": family '" + other.family + "' differs from '"
                    + family + "'; only models fine-tuned from one base can be merged");
        }
        ModelConfig a = config;
        ModelConfig b = other.config;
        if (a.width() != b.width()) {
            throw new IncompatibleBlocksException(what + ": width " + b.width() + " differs from " + a.width());
        }
        if (a.tokenCount() != b.tokenCount()) {
            throw new IncompatibleBlocksException(what + ": token count " + b.tokenCount() + " differs from "
                    + a.tokenCount());
        }
        if (a.variant() != b.variant()) {
            throw new IncompatibleBlocksException(what + ": variant " + b.variant() + " differs from "
                    + a.variant());
        }
        if ((a.variant().usesPosition() || a.variant().predictsPosition()) && a.depth() != b.depth()) {
            throw new IncompatibleBlocksException(what + ": depth " + b.depth() + " differs from " + a.depth()
                    + " (the " + a.variant() + " variant sizes its slot layers by depth)");
        }
    }
}
