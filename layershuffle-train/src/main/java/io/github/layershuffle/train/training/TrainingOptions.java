package io.github.layershuffle.train.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import io.github.layershuffle.api.ExecutionPolicy;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How to train: epochs, batch size, the Adam optimiser of the paper, the learning-rate schedule, the seed
 * and the devices. Defaults follow the paper's fine-tuning: Adam (beta1 0.9, beta2 0.999, epsilon 1e-6),
 * learning rate 1e-4, no weight decay, constant learning rate.
 *
 * <pre>{@code
 * TrainingOptions options = TrainingOptions.builder().epochs(10).batchSize(128).learningRate(1e-4)
 *         .warmupSteps(500).cosine(true).seed(7).build();
 * }</pre>
 *
 * @param epochs             passes over the training data
 * @param batchSize          images per optimiser step (split across devices)
 * @param learningRate       peak learning rate
 * @param beta1              Adam's first-moment decay
 * @param beta2              Adam's second-moment decay
 * @param epsilon            Adam's epsilon
 * @param weightDecay        L2 penalty added to the gradient, as {@code torch.optim.Adam}'s {@code weight_decay}
 * @param warmupSteps        steps of linear warm-up from 0 to {@code learningRate}
 * @param cosine             whether the learning rate then follows a cosine down to 0 at the last step
 * @param linearDecay        whether the learning rate then falls linearly to 0 at the last step (the
 *                           default of Hugging Face's {@code Trainer}, which the paper's authors fine-tuned
 *                           with); at most one of {@code cosine} and {@code linearDecay}
 * @param seed               seeds the data order, the execution plans (through the variant's training
 *                           policy) and dropout
 * @param devices            devices to train on; empty means every GPU DJL finds, else the CPU
 * @param validationPolicy   the policy of the validation passes; empty means the default of
 *                           {@link #validationPolicy(io.github.layershuffle.api.Variant)}
 * @param loaderThreads      threads that prepare the next batches while a step runs (DJL's prefetch, two
 *                           batches ahead); 0 (the default) prepares each batch on the training thread, between
 *                           steps. A GPU wants at least 1, or it idles while images are decoded; the batches and
 *                           their order are the same either way
 * @param predictorLearningRateScale factor on the learning rate of the -predict slot predictors' parameters
 *                           ({@code blocks.<i>.predict.*}) only; 1 (the default) trains every parameter at one
 *                           rate, as the authors' trainer does. A freshly initialised predictor on a short
 *                           fine-tune may want more (see docs/FORMATS.md); no effect on other variants
 */
public record TrainingOptions(
        int epochs,
        int batchSize,
        double learningRate,
        double beta1,
        double beta2,
        double epsilon,
        double weightDecay,
        long warmupSteps,
        boolean cosine,
        boolean linearDecay,
        long seed,
        List<Device> devices,
        Optional<ExecutionPolicy> validationPolicy,
        int loaderThreads,
        double predictorLearningRateScale) {

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the field, its value and the allowed range
     */
    public TrainingOptions {
        devices = List.copyOf(Objects.requireNonNull(devices, "devices"));
        Objects.requireNonNull(validationPolicy, "validationPolicy");
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be at least 1, was " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and > 0, was " + learningRate);
        }
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta1 and beta2 must be in [0, 1), were " + beta1 + " and " + beta2);
        }
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be > 0, was " + epsilon);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and >= 0, was " + weightDecay);
        }
        if (cosine && linearDecay) {
            throw new IllegalArgumentException("cosine and linearDecay exclude each other; choose one decay");
        }
        if (warmupSteps < 0) {
            throw new IllegalArgumentException("warmupSteps must be >= 0, was " + warmupSteps);
        }
        if (loaderThreads < 0) {
            throw new IllegalArgumentException("loaderThreads must be >= 0, was " + loaderThreads);
        }
        if (!(predictorLearningRateScale > 0) || Double.isInfinite(predictorLearningRateScale)) {
            throw new IllegalArgumentException("predictorLearningRateScale must be finite and > 0, was "
                    + predictorLearningRateScale);
        }
    }

    /** A builder with the paper's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The devices to train on: {@link #devices()}, or every GPU DJL finds, or the CPU. */
    public Device[] resolveDevices() {
        if (!devices.isEmpty()) {
            return devices.toArray(Device[]::new);
        }
        Engine engine = Engine.getInstance();
        return engine.getDevices(engine.getGpuCount());
    }

    /**
     * The policy whose plans validation runs, pass {@code b} of it for validation batch {@code b} of every
     * epoch, so epochs are compared on the same plans: {@link #validationPolicy()} if set; otherwise, for the
     * shuffling variants, {@code random(seed + 1)} (validation loss measures what training optimises), and
     * {@code sequential()} for the baseline and LayerDrop (which infers with every block, as in Fan et al.).
     */
    public ExecutionPolicy validationPolicy(io.github.layershuffle.api.Variant variant) {
        return validationPolicy.orElseGet(() -> variant.shuffles()
                ? ExecutionPolicy.random(seed + 1) : ExecutionPolicy.sequential());
    }

    /** The same options with another number of epochs. */
    public TrainingOptions withEpochs(int newEpochs) {
        return new TrainingOptions(newEpochs, batchSize, learningRate, beta1, beta2, epsilon, weightDecay,
                warmupSteps, cosine, linearDecay, seed, devices, validationPolicy, loaderThreads, predictorLearningRateScale);
    }

    /** Builds {@link TrainingOptions}; {@link #build()} validates. */
    public static final class Builder {
        private int epochs = 10;
        private int batchSize = 128;
        private double learningRate = 1e-4;
        private double beta1 = 0.9;
        private double beta2 = 0.999;
        private double epsilon = 1e-6;
        private double weightDecay = 0;
        private long warmupSteps = 0;
        private boolean cosine = false;
        private boolean linearDecay = false;
        private long seed = 0;
        private List<Device> devices = List.of();
        private ExecutionPolicy validationPolicy;
        private int loaderThreads = 0;
        private double predictorLearningRateScale = 1;

        private Builder() {
        }

        /** Passes over the training data (default 10). */
        public Builder epochs(int v) {
            epochs = v;
            return this;
        }

        /** Images per step (default 128). */
        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        /** Peak learning rate (default 1e-4). */
        public Builder learningRate(double v) {
            learningRate = v;
            return this;
        }

        /** Adam's beta1 and beta2 (default 0.9, 0.999). */
        public Builder betas(double b1, double b2) {
            beta1 = b1;
            beta2 = b2;
            return this;
        }

        /** Adam's epsilon (default 1e-6). */
        public Builder epsilon(double v) {
            epsilon = v;
            return this;
        }

        /** L2 weight decay (default 0). */
        public Builder weightDecay(double v) {
            weightDecay = v;
            return this;
        }

        /** Linear warm-up steps (default 0). */
        public Builder warmupSteps(long v) {
            warmupSteps = v;
            return this;
        }

        /** Cosine decay to 0 after the warm-up (default off: constant). */
        public Builder cosine(boolean v) {
            cosine = v;
            return this;
        }

        /** Linear decay to 0 after the warm-up (default off: constant). */
        public Builder linearDecay(boolean v) {
            linearDecay = v;
            return this;
        }

        /** The seed of data order, plans and dropout (default 0). */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** Devices to train on (default: every GPU, else the CPU). */
        public Builder devices(List<Device> v) {
            devices = v;
            return this;
        }

        /** The policy of validation passes (default: see {@link TrainingOptions#validationPolicy(io.github.layershuffle.api.Variant)}). */
        public Builder validationPolicy(ExecutionPolicy v) {
            validationPolicy = v;
            return this;
        }

        /** Threads preparing the next batches during a step (default 0: on the training thread). */
        public Builder loaderThreads(int v) {
            loaderThreads = v;
            return this;
        }

        /** Factor on the slot predictors' learning rate (default 1: one rate for all, as the authors). */
        public Builder predictorLearningRateScale(double v) {
            predictorLearningRateScale = v;
            return this;
        }

        /**
         * The options.
         *
         * @throws IllegalArgumentException as the record's constructor
         */
        public TrainingOptions build() {
            return new TrainingOptions(epochs, batchSize, learningRate, beta1, beta2, epsilon, weightDecay,
                    warmupSteps, cosine, linearDecay, seed, devices, Optional.ofNullable(validationPolicy),
                    loaderThreads, predictorLearningRateScale);
        }
    }
}
