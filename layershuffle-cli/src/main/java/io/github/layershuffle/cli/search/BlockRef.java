package io.github.layershuffle.cli.search;

/**
 * One slot of a searched recipe: block {@code block} of source export {@code source} (an index into the
 * exports the search was given).
 *
 * @param source index of the export, {@code >= 0}
 * @param block  index of the block inside that export, {@code >= 0}
 */
public record BlockRef(int source, int block) {

    /**
     * @throws IllegalArgumentException if either index is negative
     */
    public BlockRef {
        if (source < 0 || block < 0) {
            throw new IllegalArgumentException("source and block must be >= 0, were " + source + " and " + block);
        }
    }

    /** {@code source:block}, e.g. {@code 3:7}. */
    @Override
    public String toString() {
        return source + ":" + block;
    }
}
