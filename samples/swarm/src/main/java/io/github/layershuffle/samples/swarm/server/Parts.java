package io.github.layershuffle.samples.swarm.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Which parts of an export a server hosts: the stem, the head, and some or all of its blocks. Written as a comma
 * list, the same on the command line, in the Kubernetes manifest and in code:
 *
 * <pre>{@code
 * Parts.parse("all")               // stem, head and every block
 * Parts.parse("blocks")            // every block, no stem or head
 * Parts.parse("stem,head,0-3,7")   // stem, head, blocks 0, 1, 2, 3 and 7
 * }</pre>
 *
 * @param stem      whether the stem is hosted
 * @param head      whether the head is hosted
 * @param allBlocks whether every block is hosted, however many the export has
 * @param blocks    the hosted block indices, ascending, when {@code allBlocks} is false
 */
public record Parts(boolean stem, boolean head, boolean allBlocks, List<Integer> blocks) {

    /**
     * Checks and copies.
     *
     * @throws IllegalArgumentException if a block index is negative, or nothing at all is hosted
     */
    public Parts {
        TreeSet<Integer> sorted = new TreeSet<>(Objects.requireNonNull(blocks, "blocks"));
        if (!sorted.isEmpty() && sorted.first() < 0) {
            throw new IllegalArgumentException("block index " + sorted.first() + " is negative");
        }
        blocks = allBlocks ? List.of() : List.copyOf(sorted);
        if (!stem && !head && !allBlocks && blocks.isEmpty()) {
            throw new IllegalArgumentException("parts name nothing to host: give stem, head, blocks or block indices");
        }
    }

    /** The stem, the head and every block. */
    public static Parts all() {
        return new Parts(true, true, true, List.of());
    }

    /**
     * Parses {@code all}, or a comma list of {@code stem}, {@code head}, {@code blocks} (every block), block
     * indices and ranges {@code a-b} (inclusive).
     *
     * @throws IllegalArgumentException naming the token that is none of these, or a range that runs backwards
     */
    public static Parts parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        boolean stem = false;
        boolean head = false;
        boolean every = false;
        List<Integer> blocks = new ArrayList<>();
        for (String raw : spec.split(",")) {
            String t = raw.strip();
            switch (t) {
                case "" -> { }
                case "all" -> {
                    stem = true;
                    head = true;
                    every = true;
                }
                case "stem" -> stem = true;
                case "head" -> head = true;
                case "blocks" -> every = true;
                default -> {
                    int dash = t.indexOf('-', 1);
                    try {
                        int from = Integer.parseInt(dash < 0 ? t : t.substring(0, dash));
                        int to = dash < 0 ? from : Integer.parseInt(t.substring(dash + 1));
                        if (to < from) {
                            throw new IllegalArgumentException("parts '" + spec + "': range " + t + " runs backwards");
                        }
                        for (int b = from; b <= to; b++) {
                            blocks.add(b);
                        }
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("parts '" + spec + "': '" + t + "' is not all, stem, head, "
                                + "blocks, a block index or a range a-b", e);
                    }
                }
            }
        }
        return new Parts(stem, head, every, blocks);
    }

    /**
     * The hosted block indices of an export with {@code depth} blocks.
     *
     * @throws IllegalArgumentException naming a block index that is not in {@code [0, depth)}
     */
    public List<Integer> resolve(int depth) {
        if (allBlocks) {
            List<Integer> every = new ArrayList<>(depth);
            for (int b = 0; b < depth; b++) {
                every.add(b);
            }
            return every;
        }
        for (int b : blocks) {
            if (b >= depth) {
                throw new IllegalArgumentException("block " + b + " is out of range [0, " + depth
                        + ") of an export with " + depth + " blocks");
            }
        }
        return blocks;
    }

    /** The spec that {@link #parse(String)} reads back. */
    @Override
    public String toString() {
        List<String> tokens = new ArrayList<>();
        if (stem) {
            tokens.add("stem");
        }
        if (head) {
            tokens.add("head");
        }
        if (allBlocks) {
            tokens.add("blocks");
        }
        blocks.forEach(b -> tokens.add(String.valueOf(b)));
        return String.join(",", tokens);
    }
}
