package io.github.layershuffle.api;

import java.util.List;

/**
 * The validation of {@link ModelConfig}: ranges, the {@code MAX_*} limits and the sizes they imply, computed with
 * {@link Math#multiplyExact} so that no product of fields can wrap around (a large image once overflowed into a
 * token count of 1).
 */
final class ModelConfigChecks {

    private ModelConfigChecks() {
    }

    static void shape(int imageSize, int channels, int patchSize, int width, int depth, int heads, int mlpWidth,
                      int classes, int positionWidth, Variant variant) {
        try {
            checkShape(imageSize, channels, patchSize, width, depth, heads, mlpWidth, classes, positionWidth, variant);
        } catch (ArithmeticException e) {
            // Unreachable while the limits hold; kept so that raising one can never let a wrapped product through.
            throw new IllegalArgumentException("the sizes of imageSize " + imageSize + ", patchSize " + patchSize
                    + ", width " + width + ", depth " + depth + " and mlpWidth " + mlpWidth + " overflow a long", e);
        }
    }

    private static void checkShape(int imageSize, int channels, int patchSize, int width, int depth, int heads,
                                   int mlpWidth, int classes, int positionWidth, Variant variant) {
        field("imageSize", imageSize, ModelConfig.MAX_IMAGE_SIZE);
        field("patchSize", patchSize, ModelConfig.MAX_PATCH_SIZE);
        field("width", width, ModelConfig.MAX_WIDTH);
        field("depth", depth, ModelConfig.MAX_DEPTH);
        field("heads", heads, ModelConfig.MAX_HEADS);
        field("mlpWidth", mlpWidth, ModelConfig.MAX_MLP_WIDTH);
        field("classes", classes, ModelConfig.MAX_CLASSES);
        field("positionEmbeddingWidth", positionWidth, ModelConfig.MAX_POSITION_WIDTH);
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException(
                    "imageSize (" + imageSize + ") is not divisible by patchSize (" + patchSize + ")");
        }
        if (width % heads != 0) {
            throw new IllegalArgumentException("width (" + width + ") is not divisible by heads (" + heads + ")");
        }
        long tokens = tokens(imageSize, patchSize);
        if (tokens > ModelConfig.MAX_TOKENS) {
            throw new IllegalArgumentException("imageSize " + imageSize + " with patchSize " + patchSize + " makes "
                    + tokens + " tokens, more than the limit of " + ModelConfig.MAX_TOKENS);
        }
        long d = width;
        tensor("stem.patch.weight", d, channels, patchSize, patchSize);
        tensor("stem.pos_embed", tokens, d);
        tensor("attn.qkv.weight", 3, d, d);
        tensor("mlp.fc1.weight", mlpWidth, d);
        tensor("pos.proj.weight", d, d + positionWidth);
        tensor("head.fc.weight", classes, d);
        // per-block slot tables: the most a config of these sizes can have, whichever slotTable it names
        long parameters = parameterCount(imageSize, channels, patchSize, width, depth, mlpWidth, classes,
                positionWidth, variant, false);
        if (parameters > ModelConfig.MAX_PARAMETERS) {
            throw new IllegalArgumentException("the model has " + parameters + " parameters (width " + width
                    + ", depth " + depth + ", mlpWidth " + mlpWidth + ", " + tokens + " tokens), more than the limit"
                    + " of " + ModelConfig.MAX_PARAMETERS);
        }
    }

    static void training(double dropout, double layerDropRate, double predictLossWeight, double layerNormEps) {
        rate("dropout", dropout);
        rate("layerDropRate", layerDropRate);
        if (!(predictLossWeight >= 0) || Double.isInfinite(predictLossWeight)) {
            throw new IllegalArgumentException("predictLossWeight must be finite and >= 0, was " + predictLossWeight);
        }
        if (!(layerNormEps > 0 && layerNormEps < 1)) {
            throw new IllegalArgumentException("layerNormEps must be in (0, 1), was " + layerNormEps);
        }
    }

    static void pixels(int channels, List<Double> pixelMean, List<Double> pixelStd) {
        if (pixelMean.size() != channels || pixelStd.size() != channels) {
            throw new IllegalArgumentException("pixelMean and pixelStd need one value per channel (" + channels
                    + "), have " + pixelMean.size() + " and " + pixelStd.size());
        }
        for (double mean : pixelMean) {
            if (!Double.isFinite(mean)) {
                throw new IllegalArgumentException("pixelMean values must be finite, have " + pixelMean);
            }
        }
        for (double sd : pixelStd) {
            if (!(sd > 0) || Double.isInfinite(sd)) {
                throw new IllegalArgumentException("pixelStd values must be finite and > 0, have " + pixelStd);
            }
        }
    }

    /** The parameter count, exact; the caller has bounded every field, so no product overflows a long. */
    static long parameterCount(int imageSize, int channels, int patchSize, int width, int depth, int mlpWidth,
                               int classes, int positionWidth, Variant variant, boolean sharedSlotTable) {
        long d = width;
        long m = mlpWidth;
        long l = depth;
        long f = positionWidth;
        long stem = sum(product(d, channels, patchSize, patchSize), d, d, product(tokens(imageSize, patchSize), d));
        long block = sum(4 * d, product(3, d, d), 3 * d, product(d, d), d, product(m, d), m, product(d, m), d);
        long shared = 0;
        if (variant.usesPosition()) {
            block = sum(block, sharedSlotTable ? 0 : product(l, f), 2 * (d + f), product(d, d + f), d);
            shared = sharedSlotTable ? product(l, f) : 0;
        }
        if (variant.predictsPosition()) {
            block = sum(block, 2 * d, product(l, d), l);
        }
        long head = sum(2 * d, product(classes, d), classes);
        return sum(sum(stem, product(l, block), head), shared);
    }

    static void positive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " must be at least 1, was " + value);
        }
    }

    static void atMost(String field, int value, int limit) {
        if (value > limit) {
            throw new IllegalArgumentException(field + " is " + value + ", more than the limit of " + limit);
        }
    }

    private static void field(String field, int value, int limit) {
        positive(field, value);
        atMost(field, value, limit);
    }

    private static long tokens(int imageSize, int patchSize) {
        long side = imageSize / patchSize;
        return product(side, side) + 1;
    }

    private static void tensor(String name, long... shape) {
        long n = product(shape);
        if (n > ModelConfig.MAX_TENSOR_ELEMENTS) {
            throw new IllegalArgumentException("tensor " + name + " would hold " + n + " values, more than the limit"
                    + " of " + ModelConfig.MAX_TENSOR_ELEMENTS + " per tensor");
        }
    }

    private static long product(long... factors) {
        long n = 1;
        for (long x : factors) {
            n = Math.multiplyExact(n, x);
        }
        return n;
    }

    private static long sum(long... terms) {
        long n = 0;
        for (long x : terms) {
            n = Math.addExact(n, x);
        }
        return n;
    }

    private static void rate(String field, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1), was " + value);
        }
    }
}
