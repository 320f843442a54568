package io.github.layershuffle.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code FILE:BLOCKS} on the command line: blocks of a checkpoint, e.g. {@code a.safetensors:3},
 * {@code a.safetensors:0-5} or {@code a.safetensors:0,2,4}. The last colon separates the file from the blocks,
 * so paths with colons work.
 *
 * @param file   the checkpoint file
 * @param blocks the block indices, in the order given
 */
record SlotSpec(Path file, List<Integer> blocks) {

    /**
     * Parses one spec.
     *
     * @throws IllegalArgumentException naming the spec and what is wrong with it
     */
    static SlotSpec parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("slot '" + text + "' is not FILE:BLOCKS, e.g. a.safetensors:3, "
                    + "a.safetensors:0-5 or a.safetensors:0,2,4");
        }
        List<Integer> blocks = new ArrayList<>();
        for (String part : text.substring(colon + 1).split(",")) {
            String p = part.strip();
            try {
                int dash = p.indexOf('-', 1);
                if (dash > 0) {
                    int from = Integer.parseInt(p.substring(0, dash).strip());
                    int to = Integer.parseInt(p.substring(dash + 1).strip());
                    if (from < 0 || to < from) {
                        throw new IllegalArgumentException("slot '" + text + "': range " + p
                                + " must be FROM-TO with 0 <= FROM <= TO");
                    }
                    for (int b = from; b <= to; b++) {
                        blocks.add(b);
                    }
                } else {
                    int b = Integer.parseInt(p);
                    if (b < 0) {
                        throw new IllegalArgumentException("slot '" + text + "': block " + b + " is negative");
                    }
                    blocks.add(b);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("slot '" + text + "': '" + p + "' is not a block index or "
                        + "range", e);
            }
        }
        return new SlotSpec(Path.of(text.substring(0, colon)), List.copyOf(blocks));
    }
}
