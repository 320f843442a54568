package io.github.layershuffle.train.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.translate.TranslateException;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.model.VisionTransformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A whole training run: epochs over a DJL dataset, validation after each, the best epoch (lowest validation
 * loss) kept, and everything needed to resume written to the output directory after every epoch.
 *
 * <pre>{@code
 * Checkpoint base = Checkpoint.read(Path.of("runs/base/best.safetensors"));
 * Checkpoint start = FineTuning.adapt(base, base.config().withVariant(Variant.LAYERSHUFFLE),
 *         FineTuning.Head.KEEP, 1);
 * TrainingResult result = TrainingRun.builder()
 *         .setStart(start)                                   // or ModelCheckpoints.fresh(config, seed)
 *         .setTrainingData(train)                            // samples: image [C, H, W] in [0, 1], label
 *         .optValidationData(validation)
 *         .setOutputDirectory(Path.of("runs/layershuffle-s1"))
 *         .optOptions(TrainingOptions.builder().epochs(10).batchSize(128).seed(1).build())
 *         .optListener(progressBars)
 *         .optResume(true)                                   // continue an interrupted run if there is one
 *         .build()
 *         .run();
 * }</pre>
 *
 * <p>The output directory holds {@code best.safetensors} and {@code last.safetensors} (api checkpoints of
 * the start's family), {@code last-optimizer.safetensors} (Adam's moments and step counts),
 * {@code training-state.json} and {@code metrics.jsonl} (one {@link EpochMetrics} JSON line per epoch).
 *
 * <p>Reproducibility: the data order of epoch {@code e} depends only on the seed and {@code e}; the plan of
 * step {@code s} is pass {@code s} of the variant's training policy of that seed; dropout (when the config
 * has any) draws from the engine's global generator, reseeded at each epoch. Resuming reloads
 * {@code last.safetensors}, the optimiser state and the step counter, and continues with the next epoch: the
 * same data order, the same plans and the same Adam moments as an uninterrupted run. An epoch interrupted
 * half-way is run again from its start. If the optimiser file is missing or from another epoch (a crash
 * between the two writes), Adam's moments restart from zero and a warning is logged.
 *
 * <p>A finished run needs only {@code best.safetensors}: {@link #dropResumeState(Path)} deletes the rest of
 * what resuming needs (at ViT-B/16 size, 980 MiB of the run's 1.3 GiB), and the directory then refuses a new run.
 */
public final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    private final Checkpoint start;
    private final RandomAccessDataset train;
    private final RandomAccessDataset validation;
    private final RunFiles files;
    private final Path directory;
    private final TrainingOptions options;
    private final ProgressListener listener;
    private final boolean resume;
    /** Prepares the next batches while a step runs; null when {@link TrainingOptions#loaderThreads()} is 0. */
    private java.util.concurrent.ExecutorService loader;

    private TrainingRun(Builder b) {
        start = b.start;
        train = b.train;
        validation = b.validation;
        directory = b.directory;
        files = new RunFiles(b.directory);
        options = b.options;
        listener = b.listener;
        resume = b.resume;
    }

    /**
     * Deletes what only resuming needs from a finished run's directory, {@code last.safetensors} and
     * {@code last-optimizer.safetensors}, keeping {@code best.safetensors}, {@code training-state.json} and
     * {@code metrics.jsonl}. The directory then refuses a new run, resumed or fresh, so that nothing overwrites
     * its best checkpoint. Files already gone are fine.
     *
     * @throws LayerShuffleException if the directory holds no {@code best.safetensors}, or a file cannot be
     *                               deleted
     */
    public static void dropResumeState(Path directory) {
        RunFiles files = new RunFiles(directory);
        if (!Files.isRegularFile(files.best())) {
            throw new LayerShuffleException(directory + " holds no finished run (no " + files.best().getFileName()
                    + "); nothing dropped");
        }
        for (Path p : List.of(files.last(), files.optimizer())) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new LayerShuffleException("cannot delete " + p + ": " + e.getMessage(), e);
            }
        }
    }

    /** A builder; {@code setStart}, {@code setTrainingData} and {@code setOutputDirectory} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Runs (or resumes) the training.
     *
     * @return where the checkpoints are and every epoch's metrics
     * @throws LayerShuffleException if the data cannot be read, a file cannot be written, the directory
     *                               holds another run or another trainer works in it (its {@code run.lock} is
     *                               held), or a resumed run's config, seed or batch size differ
     * @throws IllegalArgumentException if a batch does not fit the model (shape or label out of range)
     */
    public TrainingResult run() {
        createDirectory();
        try (RunFiles.Lock lock = files.lock()) {
            if (options.loaderThreads() > 0) {
                loader = java.util.concurrent.Executors.newFixedThreadPool(options.loaderThreads(), r -> {
                    Thread t = new Thread(r, "layershuffle-loader");
                    t.setDaemon(true);
                    return t;
                });
            }
            try {
                return runLocked();
            } finally {
                if (loader != null) {
                    loader.shutdownNow();
                    loader = null;
                }
            }
        }
    }

    private TrainingResult runLocked() {
        ModelConfig config = start.config();
        Progress p = resume && Files.isRegularFile(files.last()) ? resumeState() : freshState();
        int batches = EpochSampler.batches(train.size(), options.batchSize());
        int validationBatches = validation == null ? 0 : EpochSampler.batches(validation.size(), options.batchSize());
        long totalSteps = (long) batches * options.epochs();
        long warmup = Math.min(options.warmupSteps(), totalSteps);
        LearningRateSchedule schedule = options.linearDecay()
                ? LearningRateSchedule.warmupLinear(options.learningRate(), warmup, totalSteps)
                : options.warmupSteps() > 0 || options.cosine()
                ? LearningRateSchedule.warmup(options.learningRate(), warmup, totalSteps, options.cosine())
                : LearningRateSchedule.constant(options.learningRate());
        Device[] devices = options.resolveDevices();
        ExecutionPolicy validationPolicy = options.validationPolicy(config.variant());

        try (NDManager root = NDManager.newBaseManager(devices[0])) {
            VisionTransformer model = ModelCheckpoints.newModel(p.weights, root);
            try (VitTrainer trainer = VitTrainer.create(model, options, schedule)) {
                trainer.setSteps(p.steps);
                if (p.epochsDone > 0) {
                    Optional<AdamOptimizer.State> saved = files.readOptimizer(p.epochsDone);
                    saved.ifPresentOrElse(s -> trainer.restoreOptimizerState(s), () -> LOG.warn(
                            "{} is missing or not from epoch {}: Adam's moments restart from zero",
                            files.optimizer(), p.epochsDone));
                }
                listener.onRunStart(new ProgressListener.RunStart(config, p.family, p.epochsDone + 1,
                        options.epochs(), batches, validationBatches, Arrays.asList(devices)));
                for (int epoch = p.epochsDone; epoch < options.epochs(); epoch++) {
                    runEpoch(root, trainer, epoch, batches, validationBatches, validationPolicy, p);
                }
            }
        }
        TrainingResult result = new TrainingResult(directory, files.best(), files.last(), p.bestEpoch, p.bestLoss,
                p.family, p.history);
        listener.onRunEnd(result);
        return result;
    }

    private void runEpoch(NDManager root, VitTrainer trainer, int epoch, int batches, int validationBatches,
                          ExecutionPolicy validationPolicy, Progress p) {
        long begin = System.nanoTime();
        if (start.config().dropout() > 0) {
            Engine.getInstance().setRandomSeed((int) (options.seed() * 31 + epoch));
        }
        Sums trainSums = new Sums();
        int batch = 0;
        float lr = Float.NaN;
        for (Batch b : batches(train, root, new EpochSampler(options.batchSize(), options.seed(), epoch, true))) {
            try (b) {
                long step = trainer.steps();
                lr = trainer.learningRate(step);
                BatchResult r = trainer.step(b.getData().head(), b.getLabels().head());
                trainSums.add(r);
                listener.onBatch(new ProgressListener.BatchProgress(epoch + 1, ++batch, batches, step, lr, r));
            }
        }
        Sums valSums = new Sums();
        if (validation != null) {
            int vb = 0;
            int depth = start.config().depth();
            for (Batch b : batches(validation, root, new EpochSampler(options.batchSize(), 0, 0, false))) {
                try (b) {
                    valSums.add(trainer.evaluate(b.getData().head(), b.getLabels().head(),
                            validationPolicy.planForPass(depth, vb)));
                    listener.onValidationBatch(epoch + 1, ++vb, validationBatches);
                }
            }
        }
        double seconds = (System.nanoTime() - begin) / 1e9;
        EpochMetrics m = new EpochMetrics(epoch + 1, trainer.steps(), trainSums.loss(), trainSums.accuracy(),
                valSums.loss(), valSums.accuracy(), valSums.positionAccuracy(), lr, seconds, false);
        boolean best = m.selectionLoss() < p.bestLoss || p.bestEpoch == 0;
        m = new EpochMetrics(m.epoch(), m.steps(), m.trainLoss(), m.trainAccuracy(), m.validationLoss(),
                m.validationAccuracy(), m.validationPositionAccuracy(), m.learningRate(), m.seconds(), best);
        if (best) {
            p.bestEpoch = epoch + 1;
            p.bestLoss = m.selectionLoss();
        }
        p.epochsDone = epoch + 1;
        p.steps = trainer.steps();
        Map<String, String> meta = metadata(m, p);
        Checkpoint snapshot = ModelCheckpoints.capture(trainer.model(), p.family, meta);
        if (best) {
            snapshot.write(files.best());
        }
        files.writeOptimizer(trainer.optimizerState(), p.epochsDone);
        snapshot.write(files.last());
        files.writeState(meta);
        files.appendMetrics(m);
        p.history.add(m);
        LOG.info("epoch {}/{}: train loss {}, val loss {}, val accuracy {}{}", m.epoch(), options.epochs(),
                m.trainLoss(), m.validationLoss(), m.validationAccuracy(), best ? " (best)" : "");
        listener.onEpochEnd(m);
    }

    private Map<String, String> metadata(EpochMetrics m, Progress p) {
        Map<String, String> meta = new LinkedHashMap<>(start.metadata());
        meta.put("epoch", Integer.toString(m.epoch()));
        meta.put("train_loss", Double.toString(m.trainLoss()));
        meta.put("val_loss", Double.toString(m.validationLoss()));
        meta.put("val_accuracy", Double.toString(m.validationAccuracy()));
        meta.put("created", Instant.now().toString());
        meta.put("train.steps", Long.toString(p.steps));
        meta.put("train.best_epoch", Integer.toString(p.bestEpoch));
        meta.put("train.best_loss", Double.toString(p.bestLoss));
        meta.put("train.seed", Long.toString(options.seed()));
        meta.put("train.batch_size", Integer.toString(options.batchSize()));
        meta.put("train.epochs", Integer.toString(options.epochs()));
        return meta;
    }

    private Iterable<Batch> batches(RandomAccessDataset data, NDManager manager, EpochSampler sampler) {
        try {
            return loader == null ? data.getData(manager, sampler) : data.getData(manager, sampler, loader);
        } catch (IOException | TranslateException e) {
            throw new LayerShuffleException("cannot read the " + (data == train ? "training" : "validation")
                    + " data: " + e.getMessage(), e);
        }
    }

    private void createDirectory() {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot create output directory " + directory + ": " + e.getMessage(), e);
        }
    }

    private Progress freshState() {
        if (Files.exists(files.last())) {
            throw new LayerShuffleException(directory + " already holds a run (" + files.last().getFileName()
                    + "); resume it or train into another directory");
        }
        if (Files.exists(files.state())) {
            // training-state.json is written after last.safetensors, so without it this is a finished run whose
            // resume state was dropped, never a crash in the first epoch: starting afresh would overwrite its best
            throw new LayerShuffleException(directory + " holds a finished run whose resume state was dropped ("
                    + files.state().getFileName() + " without " + files.last().getFileName()
                    + "); train into another directory");
        }
        files.keepMetricsUpTo(0);
        return new Progress(start, start.family(), 0, 0, 0, Double.POSITIVE_INFINITY, new java.util.ArrayList<>());
    }

    private Progress resumeState() {
        Checkpoint last = Checkpoint.read(files.last());
        if (!last.config().equals(start.config())) {
            throw new LayerShuffleException("cannot resume " + files.last() + ": it was trained with config "
                    + last.config().toJson() + " but this run asks for " + start.config().toJson());
        }
        Map<String, String> meta = last.metadata();
        same(meta, "train.seed", Long.toString(options.seed()));
        same(meta, "train.batch_size", Integer.toString(options.batchSize()));
        try {
            int done = Integer.parseInt(meta.get("epoch"));
            long steps = Long.parseLong(meta.get("train.steps"));
            int bestEpoch = Integer.parseInt(meta.get("train.best_epoch"));
            double bestLoss = Double.parseDouble(meta.get("train.best_loss"));
            List<EpochMetrics> history = files.keepMetricsUpTo(done);
            LOG.info("resuming {} after epoch {} (step {})", directory, done, steps);
            return new Progress(last, last.family(), done, steps, bestEpoch, bestLoss,
                    new java.util.ArrayList<>(history));
        } catch (NumberFormatException | NullPointerException e) {
            throw new LayerShuffleException(files.last() + " lacks the training state metadata (epoch, train.*)"
                    + " needed to resume", e);
        }
    }

    private void same(Map<String, String> meta, String key, String now) {
        String before = meta.get(key);
        if (before != null && !before.equals(now)) {
            throw new LayerShuffleException("cannot resume " + files.last() + ": it ran with " + key + " " + before
                    + ", this run asks for " + now + "; the plan and data sequence would differ");
        }
    }

    /** Where the run stands; mutated as epochs complete. */
    private static final class Progress {
        final Checkpoint weights;
        final String family;
        final List<EpochMetrics> history;
        int epochsDone;
        long steps;
        int bestEpoch;
        double bestLoss;

        Progress(Checkpoint weights, String family, int epochsDone, long steps, int bestEpoch, double bestLoss,
                 List<EpochMetrics> history) {
            this.weights = weights;
            this.family = family;
            this.epochsDone = epochsDone;
            this.steps = steps;
            this.bestEpoch = bestEpoch;
            this.bestLoss = bestLoss;
            this.history = history;
        }
    }

    /** Running sums of batch results, weighted by batch size. */
    private static final class Sums {
        double loss;
        long correct;
        long positionCorrect;
        long positionTotal;
        long images;

        void add(BatchResult r) {
            loss += r.loss() * r.size();
            correct += r.correct();
            positionCorrect += r.positionCorrect();
            positionTotal += r.positionTotal();
            images += r.size();
        }

        double loss() {
            return images == 0 ? Double.NaN : loss / images;
        }

        double accuracy() {
            return images == 0 ? Double.NaN : (double) correct / images;
        }

        double positionAccuracy() {
            return positionTotal == 0 ? Double.NaN : (double) positionCorrect / positionTotal;
        }
    }

    /** Builds a {@link TrainingRun}; {@link #build()} checks the required parts. */
    public static final class Builder {
        private Checkpoint start;
        private RandomAccessDataset train;
        private RandomAccessDataset validation;
        private Path directory;
        private TrainingOptions options = TrainingOptions.builder().build();
        private ProgressListener listener = ProgressListener.none();
        private boolean resume;

        private Builder() {
        }

        /** The weights and config to start from: {@link ModelCheckpoints#fresh} or a fine-tuning start. */
        public Builder setStart(Checkpoint v) {
            start = v;
            return this;
        }

        /** Training samples: data {@code (image [C, H, W] float32 in [0, 1])}, labels {@code (class index)}. */
        public Builder setTrainingData(RandomAccessDataset v) {
            train = v;
            return this;
        }

        /** Validation samples, as the training data; without them the best epoch is chosen by training loss. */
        public Builder optValidationData(RandomAccessDataset v) {
            validation = v;
            return this;
        }

        /** Where checkpoints, metrics and the resume state go; created if needed. */
        public Builder setOutputDirectory(Path v) {
            directory = v;
            return this;
        }

        /** Epochs, batch size, optimiser, seed, devices (default {@link TrainingOptions.Builder}'s). */
        public Builder optOptions(TrainingOptions v) {
            options = v;
            return this;
        }

        /** Progress callbacks (default none). */
        public Builder optListener(ProgressListener v) {
            listener = v;
            return this;
        }

        /** Whether to continue the run found in the output directory, if any (default false). */
        public Builder optResume(boolean v) {
            resume = v;
            return this;
        }

        /**
         * The run.
         *
         * @throws IllegalArgumentException naming a missing required part or an empty training set
         */
        public TrainingRun build() {
            Objects.requireNonNull(options, "options");
            Objects.requireNonNull(listener, "listener");
            if (start == null || train == null || directory == null) {
                throw new IllegalArgumentException("a training run needs "
                        + (start == null ? "setStart" : train == null ? "setTrainingData" : "setOutputDirectory"));
            }
            if (train.size() == 0) {
                throw new IllegalArgumentException("the training data is empty");
            }
            if (validation != null && validation.size() == 0) {
                throw new IllegalArgumentException("the validation data is empty");
            }
            return new TrainingRun(this);
        }
    }
}
