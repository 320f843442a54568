package io.github.layershuffle.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The blocks that one forward pass runs, in the order they run: what an {@link ExecutionPolicy} decided.
 *
 * <p>A plan is what gets logged, reported and replayed. {@code blocks().get(slot)} is the index of the block
 * that runs in {@code slot}; slots are numbered from 0. A plan never names a block twice and never is empty.
 *
 * <pre>{@code
 * ExecutionPlan plan = ExecutionPolicy.random(42).plan(12);
 * System.out.println(plan);                       // e.g. [3, 11, 0, 7, ...]
 * ExecutionPlan again = ExecutionPlan.parse(plan.toString(), 12);
 * }</pre>
 *
 * @param blockCount the number of blocks of the model the plan was made for
 * @param blocks     block indices in execution order (an unmodifiable list)
 */
public record ExecutionPlan(int blockCount, List<Integer> blocks) {

    /**
     * Checks and copies.
     *
     * @throws IllegalArgumentException if {@code blockCount < 1}, {@code blocks} is empty, or a block index
     *                                  is out of {@code [0, blockCount)} or appears twice
     */
    public ExecutionPlan {
        Objects.requireNonNull(blocks, "blocks");
        if (blockCount < 1) {
            throw new IllegalArgumentException("blockCount must be at least 1, was " + blockCount);
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("an execution plan must run at least one block");
        }
        boolean[] seen = new boolean[blockCount];
        for (Integer b : blocks) {
            if (b == null) {
                throw new IllegalArgumentException("block index is null in " + blocks);
            }
            if (b < 0 || b >= blockCount) {
                throw new IllegalArgumentException(
                        "block " + b + " is out of range [0, " + blockCount + ") in plan " + blocks);
            }
            if (seen[b]) {
                throw new IllegalArgumentException("block " + b + " appears twice in plan " + blocks);
            }
            seen[b] = true;
        }
        blocks = List.copyOf(blocks);
    }

    /**
     * A plan over {@code blockCount} blocks running {@code order}.
     *
     * @throws IllegalArgumentException as the canonical constructor
     */
    public static ExecutionPlan of(int blockCount, int... order) {
        List<Integer> list = new ArrayList<>(order.length);
        for (int b : order) {
            list.add(b);
        }
        return new ExecutionPlan(blockCount, list);
    }

    /** The plan that runs all {@code blockCount} blocks in their trained order. */
    public static ExecutionPlan sequential(int blockCount) {
        int[] order = new int[Math.max(blockCount, 0)];
        Arrays.setAll(order, i -> i);
        return of(blockCount, order);
    }

    /**
     * Parses the form {@link #toString()} writes ({@code "[3, 0, 2]"}) or a bare comma list ({@code "3,0,2"}).
     *
     * @throws IllegalArgumentException naming the token that is not an integer, or as the constructor
     */
    public static ExecutionPlan parse(String text, int blockCount) {
        Objects.requireNonNull(text, "text");
        String body = text.strip();
        if (body.startsWith("[") && body.endsWith("]")) {
            body = body.substring(1, body.length() - 1);
        }
        List<Integer> order = new ArrayList<>();
        for (String token : body.split(",")) {
            String t = token.strip();
            if (t.isEmpty()) {
                continue;
            }
            try {
                order.add(Integer.parseInt(t));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("plan '" + text + "': '" + t + "' is not a block index", e);
            }
        }
        return new ExecutionPlan(blockCount, order);
    }

    /** Number of blocks this plan runs (its slots). */
    public int size() {
        return blocks.size();
    }

    /**
     * The block that runs in {@code slot}.
     *
     * @throws IndexOutOfBoundsException if {@code slot} is not in {@code [0, size())}
     */
    public int block(int slot) {
        return blocks.get(slot);
    }

    /** The slot that {@code block} runs in, or -1 if this plan does not run it. */
    public int slotOf(int block) {
        return blocks.indexOf(block);
    }

    /** Whether every block runs, in index order. */
    public boolean isSequential() {
        if (blocks.size() != blockCount) {
            return false;
        }
        for (int i = 0; i < blockCount; i++) {
            if (blocks.get(i) != i) {
                return false;
            }
        }
        return true;
    }

    /** Block indices in execution order, as a fresh array. */
    public int[] toArray() {
        return blocks.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The block indices, e.g. {@code [3, 0, 2]}; {@link #parse(String, int)} reads it back. */
    @Override
    public String toString() {
        return blocks.toString();
    }
}
