package io.github.layershuffle.samples.swarm.wire;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Runs one part of a loaded export (the stem, one block in one slot, or the head) on wire tensors: what a block
 * server answers, and what a client that holds the export recomputes in process to check a server. Every input is
 * checked ({@link Activations#decode}) before it reaches ONNX Runtime. Thread-safe as {@link LayerShuffleModel} is.
 */
public final class PartRunner {
    private final LayerShuffleModel model;
    private final int maxBatch;

    /**
     * Runs parts of {@code model}, which the caller keeps open and closes.
     *
     * @throws IllegalArgumentException if {@code maxBatch} is below 1
     */
    public PartRunner(LayerShuffleModel model, int maxBatch) {
        this.model = Objects.requireNonNull(model, "model");
        if (maxBatch < 1) {
            throw new IllegalArgumentException("maxBatch must be at least 1, was " + maxBatch);
        }
        this.maxBatch = maxBatch;
    }

    /** The model's config. */
    public ModelConfig config() {
        return model.config();
    }

    /**
     * The stem's tokens {@code [batch, T, D]} for pixels {@code [batch, C, H, W]}.
     *
     * @throws IllegalArgumentException if the pixels are not of that shape, their byte count is wrong or a value
     *                                  is not finite
     * @throws LayerShuffleException    if ONNX Runtime fails
     */
    public Tensor stem(Tensor pixels) {
        ModelConfig c = model.config();
        Activations.Decoded d = Activations.decode(pixels, "pixels for the stem",
                new long[] {-1, c.channels(), c.imageSize(), c.imageSize()}, maxBatch);
        try (OnnxTensor tokens = model.stem(images(d))) {
            return tensor(tokens);
        }
    }

    /**
     * Block {@code block}'s output for tokens {@code [batch, T, D]} in slot {@code slot}.
     *
     * @throws IllegalArgumentException if the block or slot is out of range, or the tokens are not of that shape,
     *                                  their byte count is wrong or a value is not finite
     * @throws LayerShuffleException    if ONNX Runtime fails
     */
    public Tensor block(int block, int slot, Tensor tokens) {
        ModelConfig c = model.config();
        if (block < 0 || block >= c.depth()) {
            throw new IllegalArgumentException("block " + block + " is out of range [0, " + c.depth() + ")");
        }
        if (slot < 0 || slot >= c.depth()) {
            throw new IllegalArgumentException("slot " + slot + " is out of range [0, " + c.depth()
                    + ") for a model of " + c.depth() + " blocks");
        }
        Activations.Decoded d = Activations.decode(tokens, "tokens for block " + block,
                new long[] {-1, c.tokenCount(), c.width()}, maxBatch);
        try (OnnxTensor in = ortTensor(d);
             OnnxTensor result = model.block(block).apply(in, slot)) {
            return tensor(result);
        }
    }

    /**
     * The head's logits {@code [batch, classes]} for tokens {@code [batch, T, D]}.
     *
     * @throws IllegalArgumentException if the tokens are not of that shape, their byte count is wrong or a value
     *                                  is not finite
     * @throws LayerShuffleException    if ONNX Runtime fails
     */
    public Tensor head(Tensor tokens) {
        ModelConfig c = model.config();
        Activations.Decoded d = Activations.decode(tokens, "tokens for the head",
                new long[] {-1, c.tokenCount(), c.width()}, maxBatch);
        try (OnnxTensor in = ortTensor(d)) {
            return Activations.encode(model.head(in));
        }
    }

    private static Tensor tensor(OnnxTensor t) {
        return Activations.encode(t.getFloatBuffer(), t.getInfo().getShape());
    }

    private static OnnxTensor ortTensor(Activations.Decoded d) {
        try {
            return OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), d.data(), d.shape());
        } catch (OrtException e) {
            throw new LayerShuffleException("cannot create a tensor of shape " + Arrays.toString(d.shape())
                    + ": " + e.getMessage(), e);
        }
    }

    /** {@code [B, C, H, W]} as the nested arrays the stem takes. */
    private static float[][][][] images(Activations.Decoded d) {
        long[] s = d.shape();
        int b = (int) s[0];
        int c = (int) s[1];
        int h = (int) s[2];
        int w = (int) s[3];
        float[][][][] images = new float[b][c][h][w];
        FloatBuffer data = d.data();
        int i = 0;
        for (int n = 0; n < b; n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    data.get(i, images[n][ch][y]);
                    i += w;
                }
            }
        }
        return images;
    }
}
