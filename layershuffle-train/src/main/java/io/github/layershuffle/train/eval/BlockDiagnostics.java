package io.github.layershuffle.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.github.layershuffle.api.BlockSequence;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.model.VitOutput;
import java.util.Objects;

/**
 * Measurements that say why a model behaves as it does under reordering, beside its accuracy: how much each
 * slot's block changes the residual stream ({@link #updateRatios}), what the stem alone provides
 * ({@link #stemFeatures}, for a linear probe), each image's predicted class ({@link #predictions}, for the
 * disagreement of two models) and, for LayerShuffle-predict, which slot each block believes it ran in
 * ({@link #slotConfusion}).
 *
 * <p>As in {@link Evaluator}, batch {@code b} runs {@code policy.seeded(seed).planForPass(depth, b)}.
 *
 * <pre>{@code
 * double[] ratios = BlockDiagnostics.updateRatios(vit, test, ExecutionPolicy.sequential(), 250, 0);
 * SlotConfusion c = BlockDiagnostics.slotConfusion(predictVit, test, ExecutionPolicy.random(), 250, 1);
 * }</pre>
 */
public final class BlockDiagnostics {
    private BlockDiagnostics() {
    }

    /**
     * Per slot, the mean over images of {@code ||f(z)|| / ||z||}: {@code z} the tokens {@code [T, D]} entering
     * the slot, {@code f(z) = block(z) - z} the block's update of the residual stream (Frobenius norms). 0 for a
     * block that is the identity; near 0 for a block that barely matters.
     *
     * @throws IllegalArgumentException if {@code batchSize < 1}, the images do not fit, or the policy cannot
     *                                  plan for the model's depth
     */
    public static double[] updateRatios(VisionTransformer model, ImageDataset images, ExecutionPolicy policy,
                                        int batchSize, long seed) {
        check(model, images, policy, batchSize);
        int depth = model.config().depth();
        double[] sum = new double[depth];
        long[] count = new long[depth];
        ExecutionPolicy seeded = policy.seeded(seed);
        try (NDManager scratch = manager(model).newSubManager()) {
            ParameterStore ps = new ParameterStore(scratch, false);
            forEachBatch(images, batchSize, (from, to, pass) -> {
                try (NDManager batch = scratch.newSubManager()) {
                    NDArray pixels = images.batch(batch, positions(from, to)).get(0);
                    ExecutionPlan plan = seeded.planForPass(depth, pass);
                    BlockSequence<NDList> blocks = model.blocks(ps, false);
                    NDList state = new NDList(model.embed(ps, pixels, false));
                    for (int slot = 0; slot < plan.size(); slot++) {
                        NDArray in = state.head();
                        state = blocks.block(plan.block(slot)).apply(state, slot);
                        NDArray update = state.head().sub(in);
                        float[] ratio = norms(update).div(norms(in)).toFloatArray();
                        for (float r : ratio) {
                            sum[slot] += r;
                        }
                        count[slot] += ratio.length;
                    }
                }
            });
        }
        double[] out = new double[depth];
        for (int s = 0; s < depth; s++) {
            out[s] = count[s] == 0 ? Double.NaN : sum[s] / count[s];
        }
        return out;
    }

    /**
     * The stem's tokens with no block run, mean over tokens: {@code [image][width]}, the input of a linear probe
     * of the class from the stem alone.
     *
     * @throws IllegalArgumentException if {@code batchSize < 1} or the images do not fit
     */
    public static double[][] stemFeatures(VisionTransformer model, ImageDataset images, int batchSize) {
        check(model, images, ExecutionPolicy.sequential(), batchSize);
        int width = model.config().width();
        double[][] out = new double[images.count()][];
        try (NDManager scratch = manager(model).newSubManager()) {
            ParameterStore ps = new ParameterStore(scratch, false);
            forEachBatch(images, batchSize, (from, to, pass) -> {
                try (NDManager batch = scratch.newSubManager()) {
                    NDArray pixels = images.batch(batch, positions(from, to)).get(0);
                    float[] mean = model.embed(ps, pixels, false).mean(new int[] {1}).toFloatArray();
                    for (int i = 0; i < to - from; i++) {
                        double[] row = new double[width];
                        for (int j = 0; j < width; j++) {
                            row[j] = mean[i * width + j];
                        }
                        out[from + i] = row;
                    }
                }
            });
        }
        return out;
    }

    /**
     * Each image's predicted class (the top logit) under {@code policy}.
     *
     * @throws IllegalArgumentException as {@link #updateRatios}
     */
    public static int[] predictions(VisionTransformer model, ImageDataset images, ExecutionPolicy policy,
                                    int batchSize, long seed) {
        check(model, images, policy, batchSize);
        int classes = model.config().classes();
        int[] out = new int[images.count()];
        ExecutionPolicy seeded = policy.seeded(seed);
        try (NDManager scratch = manager(model).newSubManager()) {
            forEachBatch(images, batchSize, (from, to, pass) -> {
                try (NDManager batch = scratch.newSubManager()) {
                    NDArray pixels = images.batch(batch, positions(from, to)).get(0);
                    float[] logits = model.predict(pixels, seeded.planForPass(model.config().depth(), pass)).logits()
                            .toFloatArray();
                    for (int i = 0; i < to - from; i++) {
                        out[from + i] = argmax(logits, i * classes, classes);
                    }
                }
            });
        }
        return out;
    }

    /**
     * LayerShuffle-predict: for every (image, slot) pair, the slot the block running there predicts.
     *
     * @throws IllegalArgumentException if the model does not predict its position, or as {@link #updateRatios}
     */
    public static SlotConfusion slotConfusion(VisionTransformer model, ImageDataset images, ExecutionPolicy policy,
                                              int batchSize, long seed) {
        check(model, images, policy, batchSize);
        if (!model.config().variant().predictsPosition()) {
            throw new IllegalArgumentException("a " + model.config().variant() + " model predicts no slot; only "
                    + "layershuffle-predict does");
        }
        int depth = model.config().depth();
        long[][] counts = new long[depth][depth];
        ExecutionPolicy seeded = policy.seeded(seed);
        try (NDManager scratch = manager(model).newSubManager()) {
            forEachBatch(images, batchSize, (from, to, pass) -> {
                try (NDManager batch = scratch.newSubManager()) {
                    NDArray pixels = images.batch(batch, positions(from, to)).get(0);
                    ExecutionPlan plan = seeded.planForPass(depth, pass);
                    VitOutput out = model.predict(pixels, plan);
                    float[] logits = out.positionLogits().toFloatArray();
                    int n = to - from;
                    for (int s = 0; s < plan.size(); s++) {
                        for (int i = 0; i < n; i++) {
                            counts[s][argmax(logits, (s * n + i) * depth, depth)]++;
                        }
                    }
                }
            });
        }
        return new SlotConfusion(counts);
    }

    private static int argmax(float[] v, int offset, int length) {
        int best = 0;
        for (int c = 1; c < length; c++) {
            if (v[offset + c] > v[offset + best]) {
                best = c;
            }
        }
        return best;
    }

    /** Per image of {@code [B, T, D]}, the Frobenius norm: {@code [B]}. */
    private static NDArray norms(NDArray tokens) {
        return tokens.square().sum(new int[] {1, 2}).sqrt();
    }

    private interface BatchWork {
        void run(int from, int to, long pass);
    }

    private static void forEachBatch(ImageDataset images, int batchSize, BatchWork work) {
        int n = images.count();
        long pass = 0;
        for (int from = 0; from < n; from += batchSize, pass++) {
            work.run(from, Math.min(n, from + batchSize), pass);
        }
    }

    private static long[] positions(int from, int to) {
        long[] p = new long[to - from];
        for (int i = 0; i < p.length; i++) {
            p[i] = from + i;
        }
        return p;
    }

    private static NDManager manager(VisionTransformer model) {
        return model.namedParameters().values().iterator().next().getArray().getManager();
    }

    private static void check(VisionTransformer model, ImageDataset images, ExecutionPolicy policy, int batchSize) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(policy, "policy");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        var c = model.config();
        if (images.channels() != c.channels() || images.height() != c.imageSize() || images.width() != c.imageSize()) {
            throw new IllegalArgumentException(images.name() + " has images of [" + images.channels() + ", "
                    + images.height() + ", " + images.width() + "], the model takes [" + c.channels() + ", "
                    + c.imageSize() + ", " + c.imageSize() + "]");
        }
    }
}
