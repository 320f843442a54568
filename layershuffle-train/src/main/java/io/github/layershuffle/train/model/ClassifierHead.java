package io.github.layershuffle.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.layershuffle.api.ModelConfig;

/** Tokens to class logits: {@code head.fc(head.norm(tokens[:, 0, :]))} (FORMATS.md, {@code head}). */
final class ClassifierHead extends AbstractBlock {
    private final ModelConfig config;
    private final Parameter normWeight;
    private final Parameter normBias;
    private final Parameter fcWeight;
    private final Parameter fcBias;

    ClassifierHead(ModelConfig config, long seed) {
        this.config = config;
        long d = config.width();
        normWeight = addParameter(Ops.parameter("head.norm.weight", seed, d));
        normBias = addParameter(Ops.parameter("head.norm.bias", seed, d));
        fcWeight = addParameter(Ops.parameter("head.fc.weight", seed, config.classes(), d));
        fcBias = addParameter(Ops.parameter("head.fc.bias", seed, config.classes()));
    }

    NDArray apply(ParameterStore ps, NDArray tokens, boolean training) {
        NDArray cls = tokens.get(":, 0, :");
        NDArray h = Ops.layerNorm(cls, Ops.value(ps, normWeight, cls, training),
                Ops.value(ps, normBias, cls, training), (float) config.layerNormEps());
        return Ops.linear(h, Ops.value(ps, fcWeight, cls, training), Ops.value(ps, fcBias, cls, training));
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return new NDList(apply(ps, inputs.head(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.classes())};
    }
}
