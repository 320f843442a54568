package io.github.layershuffle.samples.swarm.client;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a {@link SwarmClient} does when the server running a block times out, fails, or answers with a tensor of
 * the wrong shape. The failing server is banned for a while in every mode (when every server hosting a part is
 * banned, they are probed with the health service and those that answer come back early). The stem and the head
 * cannot be left out: in every mode but {@link #FAIL} they go to another server that hosts them.
 */
public enum FaultMode {
    /** The request fails at the first failed hop: what a model that needs every block must do. */
    FAIL,
    /** The block is left out and the next block of the plan runs in its slot; no other server is tried. */
    SKIP,
    /**
     * Another server's copy of the block runs instead; when no copy answers within the attempts allowed, the
     * request fails.
     */
    SUBSTITUTE,
    /**
     * Another server's copy of the block runs instead; when no copy answers within the attempts allowed, the block
     * is left out. What a LayerShuffle model affords, and the default.
     */
    SUBSTITUTE_OR_SKIP;

    /**
     * Parses {@code fail}, {@code skip}, {@code substitute} or {@code substitute-or-skip} (any case, {@code _} for
     * {@code -} allowed).
     *
     * @throws IllegalArgumentException listing the valid names
     */
    public static FaultMode parse(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (FaultMode m : values()) {
            if (m.name().equals(t)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown fault mode '" + text + "', expected one of "
                + Arrays.stream(values()).map(FaultMode::id).toList());
    }

    /** The name {@link #parse(String)} reads, e.g. {@code substitute-or-skip}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Whether a block may be left out when its server fails. */
    boolean skipsBlocks() {
        return this == SKIP || this == SUBSTITUTE_OR_SKIP;
    }

    /** Whether a failed block goes to another server hosting it. */
    boolean substitutesBlocks() {
        return this == SUBSTITUTE || this == SUBSTITUTE_OR_SKIP;
    }

    @Override
    public String toString() {
        return id();
    }
}
