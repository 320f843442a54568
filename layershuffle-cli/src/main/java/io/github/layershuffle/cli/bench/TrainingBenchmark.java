package io.github.layershuffle.cli.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.training.LearningRateSchedule;
import io.github.layershuffle.train.training.TrainingOptions;
import io.github.layershuffle.train.training.VitTrainer;
import java.util.ArrayList;
import java.util.List;

/**
 * Training throughput of a model on this machine, and the share of the machine's measured matrix-product
 * FLOP/s it reaches. Both are measured in one process, on the same engine and threads: the peak by timing
 * libtorch matrix products through DJL at a large square size and at the model's own shapes, the training
 * by timing {@link VitTrainer#step} on a fixed batch (data loading is left out).
 */
public final class TrainingBenchmark {

    /** One matrix-product measurement. */
    public record Matmul(String shape, double flopsPerSecond) {
    }

    /**
     * The result.
     *
     * @param config         the model trained
     * @param batchSize      images per step
     * @param imagesPerSecond training throughput
     * @param flopsPerImage  matrix-product FLOPs per image of one training step (forward and backward)
     * @param matmuls        the matrix-product measurements; the largest is the peak
     */
    public record Result(ModelConfig config, int batchSize, double imagesPerSecond, double flopsPerImage,
                         List<Matmul> matmuls) {
        /** The machine's measured peak: the fastest matrix product. */
        public double peakFlopsPerSecond() {
            return matmuls.stream().mapToDouble(Matmul::flopsPerSecond).max().orElse(Double.NaN);
        }

        /** Achieved FLOP/s of training. */
        public double achievedFlopsPerSecond() {
            return imagesPerSecond * flopsPerImage;
        }

        /** Achieved over peak. */
        public double shareOfPeak() {
            return achievedFlopsPerSecond() / peakFlopsPerSecond();
        }
    }

    private TrainingBenchmark() {
    }

    /** Measures {@code config} at {@code batchSize}, with {@code steps} timed steps per round. */
    public static Result run(ModelConfig config, int batchSize, int steps) {
        return run(config, batchSize, steps, 3, 5);
    }

    /**
     * Measures {@code config} at {@code batchSize}: {@code warmup} untimed steps, then the median of
     * {@code rounds} rounds of {@code steps} timed steps.
     */
    public static Result run(ModelConfig config, int batchSize, int steps, int warmup, int rounds) {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<Matmul> matmuls = new ArrayList<>();
            matmuls.add(matmul(manager, 1024, 1024, 1024));
            long rows = (long) batchSize * config.tokenCount();
            matmuls.add(matmul(manager, rows, config.width(), 3L * config.width()));
            matmuls.add(matmul(manager, rows, config.width(), config.mlpWidth()));

            double seconds = secondsPerStep(config, batchSize, warmup, 0, rounds, steps);
            return new Result(config, batchSize, batchSize / seconds, ModelFlops.trainingPerImage(config), matmuls);
        }
    }

    /**
     * Seconds per {@link VitTrainer#step} of a fresh {@code config} model on one fixed random batch (no data
     * loading): untimed steps until at least {@code warmupSteps} have run and {@code warmupNanos} have passed, then
     * the median of {@code rounds} rounds of {@code steps} timed steps.
     */
    public static double secondsPerStep(ModelConfig config, int batchSize, int warmupSteps, long warmupNanos,
                                        int rounds, int steps) {
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.newInstance(config, 1, manager);
            NDArray pixels = manager.randomUniform(0, 1, vit.inputShape(batchSize));
            NDArray labels = manager.randomInteger(0, config.classes(), new Shape(batchSize), DataType.INT32)
                    .toType(DataType.FLOAT32, false);
            TrainingOptions options = TrainingOptions.builder().seed(1).batchSize(batchSize).build();
            try (VitTrainer trainer = VitTrainer.create(vit, options, LearningRateSchedule.constant(1e-4))) {
                Runnable step = () -> trainer.step(pixels, labels);
                long start = System.nanoTime();
                for (int i = 0; i < warmupSteps || System.nanoTime() - start < warmupNanos; i++) {
                    step.run();
                }
                return Timing.secondsPerCall(step, 0, rounds, steps);
            }
        }
    }

    private static Matmul matmul(NDManager manager, long m, long k, long n) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray a = scope.randomNormal(new Shape(m, k));
            NDArray b = scope.randomNormal(new Shape(k, n));
            double seconds = Timing.secondsPerCall(() -> {
                try (NDArray c = a.matMul(b)) {
                    c.getShape();   // libtorch on CPU computes eagerly; closing frees the result
                }
            }, 3, 5, 10);
            return new Matmul("[" + m + "x" + k + "] x [" + k + "x" + n + "]", 2.0 * m * k * n / seconds);
        }
    }
}
