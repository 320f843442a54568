package io.github.layershuffle.train.data;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A DJL {@link Sampler} that visits a dataset in batches, in a seeded order: a fresh permutation per epoch
 * (each call of {@link #sample}) or the dataset's own order.
 *
 * <p>DJL's {@code RandomSampler} draws from a global generator; this one draws epoch {@code e}'s permutation
 * from a generator seeded by {@code (seed, e)} alone, so a run is repeatable and a resumed run can continue at
 * any epoch ({@link #startingAt(long)}).
 *
 * <pre>{@code
 * ImageDataset train = splits.train().withSampler(ShuffleSampler.shuffled(64, 42));
 * for (Batch batch : train.getData(manager)) { ... }
 * }</pre>
 *
 * <p>Thread-safe; the epoch counter advances atomically on each call of {@link #sample}.
 */
public final class ShuffleSampler implements Sampler {
    private final int batchSize;
    private final boolean shuffle;
    private final boolean dropLast;
    private final long seed;
    private final AtomicLong epoch;

    private ShuffleSampler(int batchSize, boolean shuffle, boolean dropLast, long seed, long epoch) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must be at least 0, was " + epoch);
        }
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.seed = seed;
        this.epoch = new AtomicLong(epoch);
    }

    /**
     * Batches in a fresh seeded permutation per epoch, the last batch possibly smaller.
     *
     * @throws IllegalArgumentException if {@code batchSize < 1}
     */
    public static ShuffleSampler shuffled(int batchSize, long seed) {
        return new ShuffleSampler(batchSize, true, false, seed, 0);
    }

    /**
     * Batches in the dataset's order, the last batch possibly smaller (for evaluation).
     *
     * @throws IllegalArgumentException if {@code batchSize < 1}
     */
    public static ShuffleSampler sequential(int batchSize) {
        return new ShuffleSampler(batchSize, false, false, 0, 0);
    }

    /** The same sampler, leaving out a last batch smaller than the batch size. */
    public ShuffleSampler droppingLast() {
        return new ShuffleSampler(batchSize, shuffle, true, seed, epoch.get());
    }

    /**
     * The same sampler whose next {@link #sample} call yields epoch {@code epoch}'s order (to resume a run).
     *
     * @throws IllegalArgumentException if {@code epoch < 0}
     */
    public ShuffleSampler startingAt(long epoch) {
        return new ShuffleSampler(batchSize, shuffle, dropLast, seed, epoch);
    }

    /** The epoch that the next call of {@link #sample} yields. */
    public long nextEpoch() {
        return epoch.get();
    }

    /** Whether this sampler shuffles. */
    public boolean shuffles() {
        return shuffle;
    }

    /**
     * The order in which epoch {@code epoch} visits {@code size} records: a permutation of {@code [0, size)}
     * (the identity when not shuffling).
     *
     * @throws IllegalArgumentException if {@code size < 0} or {@code epoch < 0}
     */
    public int[] order(int size, long epoch) {
        if (size < 0 || epoch < 0) {
            throw new IllegalArgumentException("size and epoch must be at least 0, were " + size + ", " + epoch);
        }
        return shuffle ? permutation(size, new SplittableRandom(mix(seed, epoch))) : identity(size);
    }

    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        int size = Math.toIntExact(dataset.size());
        int[] order = order(size, epoch.getAndIncrement());
        int batches = dropLast ? size / batchSize : (size + batchSize - 1) / batchSize;
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < batches;
            }

            @Override
            public List<Long> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("no batch left in this epoch");
                }
                int from = next++ * batchSize;
                int to = Math.min(from + batchSize, size);
                List<Long> batch = new ArrayList<>(to - from);
                for (int i = from; i < to; i++) {
                    batch.add((long) order[i]);
                }
                return batch;
            }
        };
    }

    @Override
    public int getBatchSize() {
        return batchSize;
    }

    @Override
    public String toString() {
        return (shuffle ? "shuffled(" + batchSize + ", seed " + seed + ")" : "sequential(" + batchSize + ")")
                + (dropLast ? ".droppingLast()" : "");
    }

    static int[] identity(int size) {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            order[i] = i;
        }
        return order;
    }

    /** A uniformly random permutation of {@code [0, size)} (Fisher-Yates). */
    static int[] permutation(int size, SplittableRandom random) {
        int[] order = identity(size);
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Combines a seed and a counter into one well-spread seed (SplitMix64's finaliser). */
    static long mix(long seed, long counter) {
        long z = seed + 0x9E3779B97F4A7C15L * (counter + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
