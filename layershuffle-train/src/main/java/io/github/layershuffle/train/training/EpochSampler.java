package io.github.layershuffle.train.training;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * The batches of one epoch: a permutation of the dataset that depends only on the seed and the epoch
 * (identity order when not shuffling), cut into batches, the last one possibly smaller.
 */
final class EpochSampler implements Sampler {
    private final int batchSize;
    private final long seed;
    private final int epoch;
    private final boolean shuffle;

    EpochSampler(int batchSize, long seed, int epoch, boolean shuffle) {
        this.batchSize = batchSize;
        this.seed = seed;
        this.epoch = epoch;
        this.shuffle = shuffle;
    }

    static int batches(long size, int batchSize) {
        return (int) ((size + batchSize - 1) / batchSize);
    }

    @Override
    public Iterator<List<Long>> sample(RandomAccessDataset dataset) {
        long size = dataset.size();
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("datasets of more than " + Integer.MAX_VALUE + " items are not supported");
        }
        int n = (int) size;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        if (shuffle) {
            SplittableRandom random = new SplittableRandom(seed * 0x9e3779b97f4a7c15L + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        return new Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public List<Long> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int end = Math.min(n, next + batchSize);
                List<Long> batch = new ArrayList<>(end - next);
                for (int i = next; i < end; i++) {
                    batch.add((long) order[i]);
                }
                next = end;
                return batch;
            }
        };
    }

    @Override
    public int getBatchSize() {
        return batchSize;
    }
}
