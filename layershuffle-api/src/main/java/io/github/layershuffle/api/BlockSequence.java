package io.github.layershuffle.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A model's transformer blocks by index, run in the order an {@link ExecutionPolicy} or
 * {@link ExecutionPlan} gives.
 *
 * <pre>{@code
 * BlockSequence<float[]> blocks = BlockSequence.of(List.of(b0, b1, b2));
 * float[] out = blocks.run(tokens, ExecutionPolicy.random().keep(2));
 *
 * // a "Frankenstein" model: blocks of two models fine-tuned from one base
 * BlockSequence<float[]> merged = BlockSequence.<float[]>builder()
 *         .add(modelA, 0).add(modelB, 1).add(modelA, 2)
 *         .build();
 * }</pre>
 *
 * @param <T> the activation type
 */
public interface BlockSequence<T> {

    /** Number of blocks. */
    int size();

    /**
     * The block at {@code index}.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    Block<T> block(int index);

    /**
     * The identity of the block at {@code index}: its family and config, where known. Composition checks
     * these for compatibility. Empty by default.
     */
    default Optional<ModelIdentity> identity(int index) {
        return Optional.empty();
    }

    /**
     * Runs {@code input} through the plan that {@code policy} draws for this sequence.
     *
     * @throws IllegalArgumentException  as {@link ExecutionPolicy#plan(int)}
     * @throws NoBlockAvailableException as {@link ExecutionPolicy#plan(int)}
     */
    default T run(T input, ExecutionPolicy policy) {
        return run(input, policy.plan(size()));
    }

    /**
     * Runs {@code input} through the blocks of {@code plan}, each told the slot it runs in.
     *
     * @throws IllegalArgumentException if the plan was made for another number of blocks
     */
    default T run(T input, ExecutionPlan plan) {
        Objects.requireNonNull(plan, "plan");
        if (plan.blockCount() != size()) {
            throw new IllegalArgumentException("plan " + plan + " was made for " + plan.blockCount()
                    + " blocks, this sequence has " + size());
        }
        T x = input;
        for (int slot = 0; slot < plan.size(); slot++) {
            x = block(plan.block(slot)).apply(x, slot);
        }
        return x;
    }

    /** A sequence of these blocks, with no identity. */
    static <T> BlockSequence<T> of(List<? extends Block<T>> blocks) {
        return new ListSequence<>(List.copyOf(blocks), null);
    }

    /** A sequence of these blocks, all of one model. */
    static <T> BlockSequence<T> of(ModelIdentity identity, List<? extends Block<T>> blocks) {
        Objects.requireNonNull(identity, "identity");
        List<ModelIdentity> ids = new ArrayList<>();
        blocks.forEach(b -> ids.add(identity));
        return new ListSequence<>(List.copyOf(blocks), ids);
    }

    /** A builder for a sequence made of blocks of several sequences (a merged, "Frankenstein" model). */
    static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * Builds a sequence slot by slot from blocks of other sequences; any order, repeats allowed. Where the
     * sources have identities, {@link #build()} checks every block against the first.
     *
     * @param <T> the activation type
     */
    final class Builder<T> {
        private final List<Block<T>> blocks = new ArrayList<>();
        private final List<ModelIdentity> ids = new ArrayList<>();
        private final List<String> origins = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds block {@code index} of {@code source} as the next block.
         *
         * @throws IndexOutOfBoundsException naming the index and the source's size
         */
        public Builder<T> add(BlockSequence<T> source, int index) {
            Objects.requireNonNull(source, "source");
            if (index < 0 || index >= source.size()) {
                throw new IndexOutOfBoundsException("block " + index + " is out of range [0, " + source.size()
                        + ") of its source");
            }
            blocks.add(source.block(index));
            ids.add(source.identity(index).orElse(null));
            origins.add("block " + index);
            return this;
        }

        /** Adds every block of {@code source}, in index order. */
        public Builder<T> addAll(BlockSequence<T> source) {
            for (int i = 0; i < source.size(); i++) {
                add(source, i);
            }
            return this;
        }

        /**
         * The merged sequence.
         *
         * @throws IllegalArgumentException    if no block was added, or only some blocks have an identity
         * @throws IncompatibleBlocksException if two blocks' identities are not compatible
         */
        public BlockSequence<T> build() {
            if (blocks.isEmpty()) {
                throw new IllegalArgumentException("a block sequence needs at least one block");
            }
            long known = ids.stream().filter(Objects::nonNull).count();
            if (known == 0) {
                return new ListSequence<>(List.copyOf(blocks), null);
            }
            if (known != ids.size()) {
                throw new IllegalArgumentException("cannot check compatibility: only " + known + " of "
                        + ids.size() + " blocks say which model they come from");
            }
            ModelIdentity first = ids.get(0);
            for (int slot = 1; slot < ids.size(); slot++) {
                first.checkCompatible(ids.get(slot), "slot " + slot + " (" + origins.get(slot) + ") vs slot 0");
            }
            return new ListSequence<>(List.copyOf(blocks), List.copyOf(ids));
        }
    }
}

/** The list-backed sequence behind {@link BlockSequence#of} and the builder. */
final class ListSequence<T> implements BlockSequence<T> {
    private final List<Block<T>> blocks;
    private final List<ModelIdentity> ids;

    @SuppressWarnings("unchecked")
    ListSequence(List<? extends Block<T>> blocks, List<ModelIdentity> ids) {
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("a block sequence needs at least one block");
        }
        this.blocks = (List<Block<T>>) blocks;
        this.ids = ids;
    }

    @Override
    public int size() {
        return blocks.size();
    }

    @Override
    public Block<T> block(int index) {
        return blocks.get(index);
    }

    @Override
    public Optional<ModelIdentity> identity(int index) {
        Objects.checkIndex(index, blocks.size());
        return ids == null ? Optional.empty() : Optional.of(ids.get(index));
    }
}
