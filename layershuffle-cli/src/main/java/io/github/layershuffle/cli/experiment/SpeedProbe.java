package io.github.layershuffle.cli.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.layershuffle.cli.bench.ModelFlops;
import io.github.layershuffle.cli.bench.TrainingBenchmark;
import java.util.Arrays;

/**
 * A quick measurement of how fast this machine runs the experiment's kind of work. Two kinds:
 * {@link #trainingStep()}, training steps of the {@code standard} preset's model, which {@link CostEstimate} scales
 * its calibrated estimate by; and {@link #libtorch()}, libtorch matrix products, which each experiment invocation
 * records in its state as a description of the machine. The matrix product alone does not follow what an epoch
 * costs from one CPU to another: from the AMD EPYC of the first {@code standard} run to the Intel Xeon of the second it
 * grew about 4.7x while an epoch got about 2.6x faster (docs/PROTOCOL.md).
 *
 * <p>{@link #libtorch()}: libtorch matrix products of {@link #ROWS}x{@link #INNER} by
 * {@link #INNER}x{@link #COLUMNS} (the query-key-value projection of a batch of 128 images of 50 tokens of width
 * 64, as {@code layershuffle bench} times it) through DJL, on the engine's threads as the process set them
 * ({@code ai.djl.pytorch.num_threads}), so on the threads the experiment trains with.
 */
@FunctionalInterface
public interface SpeedProbe {
    /** Rows of the left factor. */
    int ROWS = 6400;
    /** The shared dimension. */
    int INNER = 64;
    /** Columns of the right factor. */
    int COLUMNS = 192;

    /** The measured rate, in GFLOP/s (a product counts {@code 2 ROWS INNER COLUMNS} FLOPs). */
    double gflopsPerSecond();

    /** {@code [6400x64] x [64x192]}: the shape the probe measures. */
    static String shape() {
        return "[" + ROWS + "x" + INNER + "] x [" + INNER + "x" + COLUMNS + "]";
    }

    /** What {@link #trainingStep()} runs, for the console. */
    static String stepShape() {
        ExperimentSettings s = ExperimentSettings.standard();
        return "training step of the standard model at batch " + s.batchSize();
    }

    /**
     * The training probe: optimiser steps of the {@code standard} preset's model on one fixed random batch of its
     * batch size (no data loading), through DJL on the engine's threads as the process set them; untimed steps for
     * a second (at least 3: the first steps of a process run slower), then the median of 5 rounds of 2. The rate is
     * the step's matrix-product FLOPs ({@link ModelFlops#trainingPerImage}) over its time: about 2 seconds of work
     * on a 2-core machine.
     */
    static SpeedProbe trainingStep() {
        return () -> {
            ExperimentSettings s = ExperimentSettings.standard();
            int batch = s.batchSize();
            double seconds = TrainingBenchmark.secondsPerStep(s.model(), batch, 3, 1_000_000_000L, 5, 2);
            return batch * ModelFlops.trainingPerImage(s.model()) / seconds / 1e9;
        };
    }

    /**
     * The libtorch probe: about a second of products on the calling thread's engine, the median of 9 timed
     * rounds after a warm-up.
     */
    static SpeedProbe libtorch() {
        return () -> {
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray a = manager.randomNormal(new Shape(ROWS, INNER));
                NDArray b = manager.randomNormal(new Shape(INNER, COLUMNS));
                Runnable product = () -> {
                    try (NDArray c = a.matMul(b)) {
                        c.getShape();   // libtorch on CPU computes eagerly; closing frees the result
                    }
                };
                long warmup = System.nanoTime();
                int calls = 0;
                while (System.nanoTime() - warmup < 150_000_000L || calls < 3) {
                    product.run();
                    calls++;
                }
                // rounds of ~0.1 s each from the warm-up's pace
                double perCall = (System.nanoTime() - warmup) / 1e9 / calls;
                int perRound = (int) Math.max(1, Math.min(100_000, 0.1 / perCall));
                double[] seconds = new double[9];
                for (int r = 0; r < seconds.length; r++) {
                    long t0 = System.nanoTime();
                    for (int i = 0; i < perRound; i++) {
                        product.run();
                    }
                    seconds[r] = (System.nanoTime() - t0) / 1e9 / perRound;
                }
                Arrays.sort(seconds);
                return 2.0 * ROWS * INNER * COLUMNS / seconds[seconds.length / 2] / 1e9;
            }
        };
    }
}
