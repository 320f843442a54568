package io.github.layershuffle.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.layershuffle.api.ModelConfig;
import java.util.Arrays;

/**
 * Pixels in [0, 1] to tokens: per-channel normalisation, a convolution with stride P over the patches, the
 * class token in front, the learned positional embedding added (FORMATS.md, {@code stem}).
 */
final class PatchStem extends AbstractBlock {
    private final ModelConfig config;
    private final float[] mean;
    private final float[] std;
    private final Parameter patchWeight;
    private final Parameter patchBias;
    private final Parameter clsToken;
    private final Parameter posEmbed;

    PatchStem(ModelConfig config, long seed) {
        this.config = config;
        int c = config.channels();
        mean = new float[c];
        std = new float[c];
        for (int i = 0; i < c; i++) {
            mean[i] = config.pixelMean().get(i).floatValue();
            std[i] = config.pixelStd().get(i).floatValue();
        }
        long d = config.width();
        long p = config.patchSize();
        patchWeight = addParameter(Ops.parameter("stem.patch.weight", seed, d, c, p, p));
        patchBias = addParameter(Ops.parameter("stem.patch.bias", seed, d));
        clsToken = addParameter(Ops.parameter("stem.cls_token", seed, 1, 1, d));
        posEmbed = addParameter(Ops.parameter("stem.pos_embed", seed, 1, config.tokenCount(), d));
    }

    /** Tokens {@code [B, T, D]} of pixels {@code [B, C, H, W]}. */
    NDArray apply(ParameterStore ps, NDArray pixels, boolean training) {
        checkPixels(pixels.getShape());
        long b = pixels.getShape().get(0);
        NDManager m = pixels.getManager();
        int c = config.channels();
        NDArray meanArr = m.create(mean, new Shape(1, c, 1, 1)).toDevice(pixels.getDevice(), false);
        NDArray stdArr = m.create(std, new Shape(1, c, 1, 1)).toDevice(pixels.getDevice(), false);
        NDArray x = pixels.sub(meanArr).div(stdArr);
        long p = config.patchSize();
        x = Conv2d.conv2d(x, Ops.value(ps, patchWeight, x, training), Ops.value(ps, patchBias, x, training),
                new Shape(p, p), new Shape(0, 0), new Shape(1, 1), 1).singletonOrThrow();
        long d = config.width();
        x = x.reshape(b, d, config.patchCount()).transpose(0, 2, 1);
        NDArray cls = Ops.adopt(Ops.value(ps, clsToken, x, training).broadcast(b, 1, d), x);
        NDArray tokens = NDArrays.concat(new NDList(cls, x), 1);
        return tokens.add(Ops.value(ps, posEmbed, x, training));
    }

    void checkPixels(Shape shape) {
        long[] want = {config.channels(), config.imageSize(), config.imageSize()};
        if (shape.dimension() != 4 || !Arrays.equals(Arrays.copyOfRange(shape.getShape(), 1, 4), want)) {
            throw new IllegalArgumentException("pixels have shape " + shape + ", the model needs [batch, "
                    + want[0] + ", " + want[1] + ", " + want[2] + "] (channels, height, width)");
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.tokenCount(), config.width())};
    }
}
