package io.github.layershuffle.cli.bench;

import io.github.layershuffle.api.ModelConfig;

/**
 * Multiply-add work of the ViT, counted from its shapes: the FLOPs of its matrix products (2 per
 * multiply-add), which dominate its cost. Element-wise work (LayerNorm, GELU, softmax) is left out, so the
 * share of peak computed from it is a lower bound.
 */
public final class ModelFlops {
    private ModelFlops() {
    }

    /** Matrix-product FLOPs of one image's forward pass through all blocks in any order. */
    public static double forwardPerImage(ModelConfig c) {
        double t = c.tokenCount();
        double d = c.width();
        double m = c.mlpWidth();
        double stem = 2.0 * c.patchCount() * d * c.channels() * c.patchSize() * c.patchSize();
        double block = 2 * t * d * 3 * d          // qkv
                + 2 * 2 * t * t * d                // q k^T and attention times v
                + 2 * t * d * d                    // proj
                + 2 * 2 * t * d * m;               // fc1, fc2
        if (c.variant().usesPosition()) {
            block += 2 * t * (d + c.positionEmbeddingWidth()) * d;
        }
        if (c.variant().predictsPosition()) {
            block += 2 * d * c.depth();
        }
        double head = 2 * d * c.classes();
        return stem + c.depth() * block + head;
    }

    /** Forward and backward: the backward pass costs about twice the forward (gradients of inputs and weights). */
    public static double trainingPerImage(ModelConfig c) {
        return 3 * forwardPerImage(c);
    }
}
