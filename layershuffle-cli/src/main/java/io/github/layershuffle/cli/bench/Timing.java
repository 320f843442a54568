package io.github.layershuffle.cli.bench;

import java.util.Arrays;

/** Wall-clock timing of repeated runs: the median of several rounds, each of several calls. */
final class Timing {
    private Timing() {
    }

    /** Seconds per call: median over {@code rounds} of (time of {@code calls} calls / calls). */
    static double secondsPerCall(Runnable call, int warmup, int rounds, int calls) {
        for (int i = 0; i < warmup; i++) {
            call.run();
        }
        double[] perCall = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            perCall[r] = time(call, calls);
        }
        Arrays.sort(perCall);
        return perCall[rounds / 2];
    }

    /**
     * Two workloads timed in alternating rounds, so that drift of the machine (other processes, frequency)
     * hits both alike, and in alternating order (a b, b a, ...), so that neither always runs warm after the
     * other. Both are first run for {@code warmupNanos} each, round by round, so that the JIT has compiled them.
     */
    static Paired interleaved(Runnable a, Runnable b, long warmupNanos, int rounds, int calls) {
        if (rounds < 1 || calls < 1) {
            throw new IllegalArgumentException("rounds and calls must be >= 1, were " + rounds + " and " + calls);
        }
        long end = System.nanoTime() + 2 * warmupNanos;
        do {
            a.run();
            b.run();
        } while (System.nanoTime() < end);
        double[] ta = new double[rounds];
        double[] tb = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            if (r % 2 == 0) {
                ta[r] = time(a, calls);
                tb[r] = time(b, calls);
            } else {
                tb[r] = time(b, calls);
                ta[r] = time(a, calls);
            }
        }
        return new Paired(ta, tb);
    }

    private static double time(Runnable call, int calls) {
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            call.run();
        }
        return (System.nanoTime() - t0) / 1e9 / calls;
    }

    /**
     * Seconds per call of two workloads, round by round.
     *
     * @param a seconds per call of the first workload in each round
     * @param b seconds per call of the second, same rounds
     */
    record Paired(double[] a, double[] b) {
        Paired {
            if (a.length != b.length || a.length == 0) {
                throw new IllegalArgumentException("need the same number (>= 1) of rounds, were " + a.length
                        + " and " + b.length);
            }
            a = a.clone();
            b = b.clone();
        }

        double medianA() {
            return quantile(a, 0.5);
        }

        double medianB() {
            return quantile(b, 0.5);
        }

        /** Quantile {@code q} over rounds of {@code a / b - 1}: each round's ratio compares runs made moments apart. */
        double excessOfA(double q) {
            double[] ratio = new double[a.length];
            for (int r = 0; r < a.length; r++) {
                ratio[r] = a[r] / b[r] - 1;
            }
            return quantile(ratio, q);
        }
    }

    /** Quantile {@code q} in [0, 1] of {@code values}, interpolating linearly between order statistics. */
    static double quantile(double[] values, double q) {
        if (values.length == 0 || !(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("need values and q in [0, 1], got " + values.length + " values, q " + q);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }
}
