package io.github.layershuffle.cli.experiment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.github.layershuffle.api.BlockSequence;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.model.VisionTransformer;
import java.util.Objects;

/**
 * What each block of a model outputs when it runs in different slots: images go through the model in small
 * batches, each batch under a fresh random order, and the mean over tokens of every block's output is kept
 * together with the slot the block ran in. The input of the linear probe and the 2-D plot of the paper's
 * Figure 4.
 *
 * <pre>{@code
 * BlockOutputs outputs = BlockOutputs.collect(vit, test.sample(960, 0), 8, 0);
 * LinearProbe.Result r = LinearProbe.holdOut(outputs.features(5), outputs.slots(5), 12, 0);
 * }</pre>
 *
 * @param features {@code [block][image][width]}: the block's output, mean over tokens
 * @param slots    {@code [block][image]}: the slot the block ran in for that image
 */
public record BlockOutputs(double[][][] features, int[][] slots) {

    /**
     * Runs {@code images} through {@code model}, {@code batchSize} images per random order drawn from
     * {@code random(seed)}.
     *
     * @throws IllegalArgumentException if {@code batchSize < 1} or the images do not fit the model
     */
    public static BlockOutputs collect(VisionTransformer model, ImageDataset images, int batchSize, long seed) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(images, "images");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        int depth = model.config().depth();
        int width = model.config().width();
        int n = images.count();
        double[][][] features = new double[depth][n][];
        int[][] slots = new int[depth][n];
        ExecutionPolicy policy = ExecutionPolicy.random(seed);
        NDManager manager = model.namedParameters().values().iterator().next().getArray().getManager();
        try (NDManager scratch = manager.newSubManager()) {
            ParameterStore ps = new ParameterStore(scratch, false);
            for (int from = 0, pass = 0; from < n; from += batchSize, pass++) {
                int to = Math.min(n, from + batchSize);
                long[] positions = new long[to - from];
                for (int i = 0; i < positions.length; i++) {
                    positions[i] = from + i;
                }
                try (NDManager batch = scratch.newSubManager()) {
                    NDArray pixels = images.batch(batch, positions).get(0);
                    ExecutionPlan plan = policy.planForPass(depth, pass);
                    BlockSequence<NDList> blocks = model.blocks(ps, false);
                    NDList state = new NDList(model.embed(ps, pixels, false));
                    for (int slot = 0; slot < plan.size(); slot++) {
                        int block = plan.block(slot);
                        state = blocks.block(block).apply(state, slot);
                        float[] mean = state.head().mean(new int[] {1}).toFloatArray();
                        for (int i = 0; i < positions.length; i++) {
                            double[] row = new double[width];
                            for (int j = 0; j < width; j++) {
                                row[j] = mean[i * width + j];
                            }
                            features[block][from + i] = row;
                            slots[block][from + i] = slot;
                        }
                    }
                }
            }
        }
        return new BlockOutputs(features, slots);
    }

    /** The outputs of {@code block}: {@code [image][width]}. */
    public double[][] features(int block) {
        return features[block];
    }

    /** The slot {@code block} ran in, per image. */
    public int[] slots(int block) {
        return slots[block];
    }

    /** The number of blocks. */
    public int blocks() {
        return features.length;
    }
}
