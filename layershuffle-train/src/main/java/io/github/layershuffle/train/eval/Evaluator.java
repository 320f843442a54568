package io.github.layershuffle.train.eval;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.model.VitOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures a {@link VisionTransformer} (or a logit ensemble of several) on a dataset under any
 * {@link ExecutionPolicy}: top-1 and top-5 accuracy, mean cross-entropy, and for LayerShuffle-predict the
 * accuracy of each block's prediction of the slot it ran in.
 *
 * <p>Each batch runs the plan the policy draws for it, so {@code ExecutionPolicy.random()} evaluates "arbitrary
 * order" as the paper does (a fresh permutation per batch), {@code sequential().keep(6)} the first six blocks,
 * {@code random().keep(6)} six random blocks in random order, {@code fixed(3, 0, 2)} exactly that plan. The
 * plan of batch {@code b} is {@code policy.seeded(seed).planForPass(depth, b)}: a result depends only on the
 * model, data, policy, batch size and seed.
 *
 * <pre>{@code
 * Evaluator evaluator = Evaluator.builder(splits.test()).optBatchSize(256).build();
 * Evaluation seq = evaluator.evaluate("ls", vit, ExecutionPolicy.sequential(), 0);
 * Summary arbitrary = evaluator.evaluate("ls", vit, ExecutionPolicy.random(), List.of(0L, 1L, 2L, 3L, 4L));
 * System.out.println(arbitrary.top1().percent());      // e.g. 78.12 ± 0.31 %
 * }</pre>
 *
 * <p>Immutable and thread-safe; models must not be trained while they are evaluated.
 */
public final class Evaluator {
    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);
    private static final int TOP_K = 5;

    private final ImageDataset data;
    private final int batchSize;
    private final EvaluationListener listener;

    private Evaluator(Builder b) {
        this.data = b.data;
        this.batchSize = b.batchSize;
        this.listener = b.listener;
    }

    /** A builder evaluating on {@code data}. */
    public static Builder builder(ImageDataset data) {
        return new Builder(Objects.requireNonNull(data, "data"));
    }

    /** The dataset this evaluator measures on. */
    public ImageDataset data() {
        return data;
    }

    /**
     * One pass over the data under {@code policy}, its plans drawn with {@code seed}.
     *
     * @param name what the model is, for the result (e.g. its checkpoint file)
     * @throws IllegalArgumentException if the data's images or classes do not fit the model, or the policy
     *                                  cannot plan for the model's depth
     */
    public Evaluation evaluate(String name, VisionTransformer model, ExecutionPolicy policy, long seed) {
        return run(name, List.of(model), policy, seed);
    }

    /**
     * One pass per seed, and their mean ± standard deviation: for random policies. A deterministic policy
     * gives the same result for every seed; pass one seed for it.
     *
     * @throws IllegalArgumentException as {@link #evaluate(String, VisionTransformer, ExecutionPolicy, long)},
     *                                  or if {@code seeds} is empty
     */
    public Summary evaluate(String name, VisionTransformer model, ExecutionPolicy policy, List<Long> seeds) {
        return Summary.of(seeds(seeds).stream().map(s -> evaluate(name, model, policy, s)).toList());
    }

    /**
     * The logit ensemble of {@code models}: every member classifies each batch under its own plan from
     * {@code policy}, and their logits are averaged (the paper's "LayerShuffle Ensemble"). Members may differ
     * in depth and family but must agree on image shape and classes.
     *
     * @throws IllegalArgumentException naming the first member whose image shape or classes differ, or as
     *                                  {@link #evaluate(String, VisionTransformer, ExecutionPolicy, long)}
     */
    public Evaluation ensemble(String name, List<VisionTransformer> models, ExecutionPolicy policy, long seed) {
        if (models.isEmpty()) {
            throw new IllegalArgumentException("an ensemble needs at least one model");
        }
        ModelConfig first = models.get(0).config();
        for (int i = 1; i < models.size(); i++) {
            ModelConfig c = models.get(i).config();
            if (c.classes() != first.classes() || c.channels() != first.channels()
                    || c.imageSize() != first.imageSize()) {
                throw new IllegalArgumentException("ensemble member " + i + " takes [" + c.channels() + ", "
                        + c.imageSize() + ", " + c.imageSize() + "] images to " + c.classes() + " classes, member 0 ["
                        + first.channels() + ", " + first.imageSize() + ", " + first.imageSize() + "] to "
                        + first.classes());
            }
        }
        return run(name, List.copyOf(models), policy, seed);
    }

    /**
     * {@link #ensemble(String, List, ExecutionPolicy, long)} once per seed, with mean ± standard deviation.
     *
     * @throws IllegalArgumentException as {@code ensemble}, or if {@code seeds} is empty
     */
    public Summary ensemble(String name, List<VisionTransformer> models, ExecutionPolicy policy, List<Long> seeds) {
        return Summary.of(seeds(seeds).stream().map(s -> ensemble(name, models, policy, s)).toList());
    }

    /**
     * The paper's merged models: {@code count} random merges of {@code sources} (slot {@code i} takes block
     * {@code i} of a source drawn so that no two slots share one while sources last; stem and head of source
     * 0), each loaded on {@code device} and evaluated once under {@code policy}. Merge {@code m} draws its slots
     * and plans from {@code seed + m}.
     *
     * @throws IllegalArgumentException                             if {@code count < 1} or there is no source
     * @throws io.github.layershuffle.api.IncompatibleBlocksException if the sources are not of one family and
     *                                                              shape
     */
    public Summary randomMerges(List<CheckpointMerge.Source> sources, int count, ExecutionPolicy policy, long seed,
                                Device device) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, was " + count);
        }
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("random merges need at least one source checkpoint");
        }
        int depth = sources.get(0).checkpoint().config().depth();
        List<Evaluation> runs = new ArrayList<>(count);
        for (int m = 0; m < count; m++) {
            List<CheckpointMerge.Slot> slots = CheckpointMerge.randomSlots(sources.size(), depth,
                    new SplittableRandom(seed + m));
            Checkpoint merged = CheckpointMerge.merge(sources, slots);
            try (NDManager manager = NDManager.newBaseManager(device)) {
                VisionTransformer model = ModelCheckpoints.newModel(merged, manager);
                runs.add(evaluate("random merge of " + sources.size() + " models", model, policy, seed + m));
            }
        }
        return Summary.of(runs);
    }

    private static List<Long> seeds(List<Long> seeds) {
        if (seeds.isEmpty()) {
            throw new IllegalArgumentException("at least one seed is needed");
        }
        return seeds;
    }

    private Evaluation run(String name, List<VisionTransformer> models, ExecutionPolicy policy, long seed) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(policy, "policy");
        ModelConfig config = models.get(0).config();
        checkData(config);
        ExecutionPolicy seeded = policy.seeded(seed);
        boolean predicts = models.size() == 1 && config.variant().predictsPosition();
        Tally tally = new Tally(config.classes(), Math.min(TOP_K, config.classes()), predicts ? config.depth() : 0);
        String task = name + " " + policy + (models.size() > 1 ? " (ensemble of " + models.size() + ")" : "")
                + " seed " + seed;
        long start = System.nanoTime();
        ExecutionPlan firstPlan = null;
        int count = data.count();
        try (NDManager manager = NDManager.newBaseManager(device(models.get(0)))) {
            for (int from = 0, batch = 0; from < count; from += batchSize, batch++) {
                int to = Math.min(count, from + batchSize);
                long[] positions = new long[to - from];
                for (int i = 0; i < positions.length; i++) {
                    positions[i] = from + i;
                }
                try (NDManager scratch = manager.newSubManager()) {
                    NDList batchData = data.batch(scratch, positions);
                    NDArray pixels = batchData.get(0);
                    long[] labels = batchData.get(1).toLongArray();
                    float[] logits = null;
                    for (int m = 0; m < models.size(); m++) {
                        VisionTransformer model = models.get(m);
                        ExecutionPlan plan = seeded.planForPass(model.config().depth(),
                                (long) batch * models.size() + m);
                        if (firstPlan == null) {
                            firstPlan = plan;
                        }
                        VitOutput out = model.predict(pixels, plan);
                        float[] l = out.logits().toFloatArray();
                        if (logits == null) {
                            logits = l;
                        } else {
                            for (int i = 0; i < l.length; i++) {
                                logits[i] += l[i];
                            }
                        }
                        if (predicts) {
                            tally.positions(out.positionLogits().toFloatArray(), plan, labels.length);
                        }
                    }
                    if (models.size() > 1) {
                        for (int i = 0; i < logits.length; i++) {
                            logits[i] /= models.size();
                        }
                    }
                    tally.logits(logits, labels);
                }
                listener.progress(task, to, count);
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Evaluation e = tally.result(name, data.name(), policy.toString(), seed, firstPlan, seconds);
        LOG.info("{}: top-1 {} on {} images in {} s", task, e.top1(), e.images(), seconds);
        return e;
    }

    private void checkData(ModelConfig config) {
        if (data.channels() != config.channels() || data.height() != config.imageSize()
                || data.width() != config.imageSize()) {
            throw new IllegalArgumentException(data.name() + " has images of [" + data.channels() + ", "
                    + data.height() + ", " + data.width() + "], the model takes [" + config.channels() + ", "
                    + config.imageSize() + ", " + config.imageSize() + "]");
        }
        if (data.classCount() != config.classes()) {
            throw new IllegalArgumentException(data.name() + " has " + data.classCount() + " classes, the model "
                    + config.classes());
        }
    }

    private static Device device(VisionTransformer model) {
        return model.namedParameters().values().iterator().next().getArray().getDevice();
    }

    /** Builds an {@link Evaluator}. */
    public static final class Builder {
        private final ImageDataset data;
        private int batchSize = 256;
        private EvaluationListener listener = EvaluationListener.NONE;

        private Builder(ImageDataset data) {
            this.data = data;
        }

        /**
         * Images per forward pass (default 256); each batch draws its own plan.
         *
         * @throws IllegalArgumentException if {@code batchSize < 1}
         */
        public Builder optBatchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Who is told the progress after each batch (default: nobody). */
        public Builder optListener(EvaluationListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The evaluator. */
        public Evaluator build() {
            return new Evaluator(this);
        }
    }
}
