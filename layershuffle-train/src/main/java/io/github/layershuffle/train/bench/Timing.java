package io.github.layershuffle.train.bench;

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
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                call.run();
            }
            perCall[r] = (System.nanoTime() - t0) / 1e9 / calls;
        }
        Arrays.sort(perCall);
        return perCall[rounds / 2];
    }

    /**
     * Two workloads timed in alternating rounds, so that drift of the machine (other processes, frequency)
     * hits both alike; returns the median seconds per call of each.
     */
    static double[] interleaved(Runnable a, Runnable b, int warmup, int rounds, int calls) {
        for (int i = 0; i < warmup; i++) {
            a.run();
            b.run();
        }
        double[] ta = new double[rounds];
        double[] tb = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                a.run();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < calls; i++) {
                b.run();
            }
            long t2 = System.nanoTime();
            ta[r] = (t1 - t0) / 1e9 / calls;
            tb[r] = (t2 - t1) / 1e9 / calls;
        }
        Arrays.sort(ta);
        Arrays.sort(tb);
        return new double[] {ta[rounds / 2], tb[rounds / 2]};
    }
}
