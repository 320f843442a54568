package io.github.layershuffle.onnx.image;

/**
 * Resamples one axis of {@code from} samples to {@code to} samples with precomputed weights: area averaging when
 * the axis shrinks, bilinear interpolation with half-pixel centres when it grows, a copy when it keeps its length.
 *
 * <p>Written here rather than taken from {@code java.awt}: {@code Graphics2D} with bilinear or bicubic hints
 * reads only the 2x2 or 4x4 source pixels nearest each output pixel, so a large shrink skips most of the image
 * (aliasing), and both it and {@code AreaAveragingScaleFilter} round their output to 8 bits. These weights are
 * computed and applied in floating point, with no rounding to 8 bits.
 */
final class Resampler {
    private final int from;
    private final int to;
    private final int taps;
    /** First source index that output {@code i} reads. */
    private final int[] start;
    /** {@code taps} weights per output sample; unused ones are 0. */
    private final float[] weights;

    private Resampler(int from, int to, int taps) {
        this.from = from;
        this.to = to;
        this.taps = taps;
        this.start = new int[to];
        this.weights = new float[to * taps];
    }

    /** Weights that take a line of {@code from} samples to {@code to}; both at least 1. */
    static Resampler of(int from, int to) {
        if (from < 1 || to < 1) {
            throw new IllegalArgumentException("cannot resample " + from + " samples to " + to);
        }
        double scale = (double) from / to;
        if (to == from) {
            Resampler r = new Resampler(from, to, 1);
            for (int i = 0; i < to; i++) {
                r.start[i] = i;
                r.weights[i] = 1;
            }
            return r;
        }
        if (to < from) {
            // output i covers source interval [i * scale, (i + 1) * scale); each sample weighs the part it covers
            Resampler r = new Resampler(from, to, (int) Math.ceil(scale) + 1);
            for (int i = 0; i < to; i++) {
                double lo = i * scale;
                double hi = Math.min(from, lo + scale);
                int first = (int) Math.floor(lo);
                r.start[i] = first;
                for (int j = first, t = 0; j < hi && t < r.taps; j++, t++) {
                    r.weights[i * r.taps + t] = (float) ((Math.min(hi, j + 1) - Math.max(lo, j)) / scale);
                }
            }
            return r;
        }
        // output i sits at source position (i + 0.5) * scale - 0.5, clamped to the first and last sample
        Resampler r = new Resampler(from, to, 2);
        for (int i = 0; i < to; i++) {
            double pos = Math.min(from - 1, Math.max(0, (i + 0.5) * scale - 0.5));
            int j = Math.min((int) pos, from - 2 < 0 ? 0 : from - 2);
            double t = pos - j;
            r.start[i] = j;
            r.weights[i * 2] = (float) (1 - t);
            r.weights[i * 2 + 1] = from == 1 ? 0 : (float) t;
        }
        return r;
    }

    int from() {
        return from;
    }

    int to() {
        return to;
    }

    /** {@code out[outOffset + i] = sum over taps of weight * in[inOffset + source]}, for one contiguous line. */
    void line(float[] in, int inOffset, float[] out, int outOffset) {
        if (from == to) {
            System.arraycopy(in, inOffset, out, outOffset, to);
            return;
        }
        for (int i = 0; i < to; i++) {
            int s = inOffset + start[i];
            int w = i * taps;
            double sum = 0;
            for (int t = 0; t < taps && start[i] + t < from; t++) {
                sum += weights[w + t] * in[s + t];
            }
            out[outOffset + i] = (float) sum;
        }
    }

    /**
     * Resamples the columns of {@code in}, {@code from} rows of {@code width} values, into {@code out}, {@code to}
     * rows of {@code width} values, row by row so that the inner loop runs along memory.
     */
    void columns(float[] in, int width, float[] out) {
        for (int i = 0; i < to; i++) {
            int o = i * width;
            java.util.Arrays.fill(out, o, o + width, 0f);
            for (int t = 0; t < taps && start[i] + t < from; t++) {
                float w = weights[i * taps + t];
                if (w == 0f) {
                    continue;
                }
                int s = (start[i] + t) * width;
                for (int x = 0; x < width; x++) {
                    out[o + x] += w * in[s + x];
                }
            }
        }
    }
}
