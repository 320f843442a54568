package io.github.layershuffle.train.eval;

import java.util.Arrays;

/**
 * LayerShuffle-predict's slot predictions as a confusion matrix: {@code counts[actual][predicted]}, over all
 * (image, slot) pairs of an evaluation.
 *
 * @param counts {@code [slots][slots]}: how often the block that ran in slot {@code actual} predicted
 *               {@code predicted}
 */
public record SlotConfusion(long[][] counts) {

    /**
     * Checks the matrix is square and copies it.
     *
     * @throws IllegalArgumentException if it is empty, not square, or holds a negative count
     */
    public SlotConfusion {
        if (counts.length == 0) {
            throw new IllegalArgumentException("a slot confusion matrix needs at least one slot");
        }
        long[][] copy = new long[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            if (counts[i].length != counts.length) {
                throw new IllegalArgumentException("row " + i + " has " + counts[i].length + " columns, expected "
                        + counts.length);
            }
            if (Arrays.stream(counts[i]).anyMatch(v -> v < 0)) {
                throw new IllegalArgumentException("row " + i + " holds a negative count: " + Arrays.toString(counts[i]));
            }
            copy[i] = counts[i].clone();
        }
        counts = copy;
    }

    /** {@code counts[actual][predicted]} (a fresh copy). */
    @Override
    public long[][] counts() {
        long[][] copy = new long[counts.length][];
        for (int i = 0; i < counts.length; i++) {
            copy[i] = counts[i].clone();
        }
        return copy;
    }

    /** The number of slots. */
    public int slots() {
        return counts.length;
    }

    /** Share of pairs whose predicted slot is the actual one; NaN when there is none. */
    public double accuracy() {
        return within(0);
    }

    /** Share of pairs whose predicted slot is at most one slot away from the actual one. */
    public double withinOne() {
        return within(1);
    }

    /** Share of pairs whose predicted slot is at most {@code distance} slots away from the actual one. */
    public double within(int distance) {
        long hits = 0;
        long total = 0;
        for (int a = 0; a < counts.length; a++) {
            for (int p = 0; p < counts.length; p++) {
                total += counts[a][p];
                if (Math.abs(a - p) <= distance) {
                    hits += counts[a][p];
                }
            }
        }
        return total == 0 ? Double.NaN : (double) hits / total;
    }

    /** The sum of two matrices of the same size (e.g. over seeds). */
    public SlotConfusion plus(SlotConfusion other) {
        if (other.slots() != slots()) {
            throw new IllegalArgumentException("cannot add a " + other.slots() + "-slot matrix to a " + slots()
                    + "-slot one");
        }
        long[][] sum = counts();
        for (int a = 0; a < sum.length; a++) {
            for (int p = 0; p < sum.length; p++) {
                sum[a][p] += other.counts[a][p];
            }
        }
        return new SlotConfusion(sum);
    }
}
