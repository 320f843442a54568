package io.github.layershuffle.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.VitLayout;

/** The per-block parts the LayerShuffle-position and -predict variants add (FORMATS.md). */
final class SlotParts {
    private SlotParts() {
    }

    /**
     * LayerShuffle-position: the block looks up the embedding of the slot it runs in, concatenates it to every
     * token, and adds a projection of the result: {@code z + dropout(gelu(proj(norm(concat(z, table[p])))))}.
     * The table is the model's shared one ({@link io.github.layershuffle.api.SlotTable#SHARED}, owned by the
     * {@link VisionTransformer}) or this block's own {@code blocks.i.pos.embed}.
     */
    static final class SlotEmbedding extends AbstractBlock {
        private final ModelConfig config;
        private final Parameter embed;
        private final Parameter normWeight;
        private final Parameter normBias;
        private final Parameter projWeight;
        private final Parameter projBias;

        /** A slot embedding reading {@code sharedTable}, or a table of this block's own if it is null. */
        SlotEmbedding(ModelConfig config, int index, long seed, Parameter sharedTable) {
            this.config = config;
            String b = VitLayout.block(index) + "pos.";
            long d = config.width();
            long f = config.positionEmbeddingWidth();
            // a shared table is a parameter of the model, not of this block: registered once, so DJL lists,
            // initialises and updates it once and autograd sums the gradients of every slot into it
            embed = sharedTable != null ? sharedTable
                    : addParameter(Ops.parameter(b + "embed", seed, config.depth(), f));
            normWeight = addParameter(Ops.parameter(b + "norm.weight", seed, d + f));
            normBias = addParameter(Ops.parameter(b + "norm.bias", seed, d + f));
            projWeight = addParameter(Ops.parameter(b + "proj.weight", seed, d, d + f));
            projBias = addParameter(Ops.parameter(b + "proj.bias", seed, d));
        }

        NDArray apply(ParameterStore ps, NDArray z, int slot, boolean training) {
            Shape s = z.getShape();
            long f = config.positionEmbeddingWidth();
            NDArray row = Ops.adopt(Ops.value(ps, embed, z, training).get(slot), z);
            NDArray rep = row.reshape(1, 1, f).broadcast(s.get(0), s.get(1), f);
            NDArray h = NDArrays.concat(new NDList(z, rep), 2);
            h = Ops.layerNorm(h, Ops.value(ps, normWeight, z, training), Ops.value(ps, normBias, z, training),
                    (float) config.layerNormEps());
            h = Activation.gelu(Ops.linear(h, Ops.value(ps, projWeight, z, training),
                    Ops.value(ps, projBias, z, training)));
            return z.add(Ops.dropout(h, (float) config.dropout(), training));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            return new NDList(apply(ps, inputs.head(), EncoderBlock.slotParam(params), training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {inputShapes[0]};
        }
    }

    /**
     * LayerShuffle-predict: the block predicts the slot it runs in from the mean over tokens of its output,
     * {@code fc(norm(mean_T(z)))}, giving logits {@code [B, L]}.
     */
    static final class SlotPredictor extends AbstractBlock {
        private final ModelConfig config;
        private final Parameter normWeight;
        private final Parameter normBias;
        private final Parameter fcWeight;
        private final Parameter fcBias;

        SlotPredictor(ModelConfig config, int index, long seed) {
            this.config = config;
            String b = VitLayout.block(index) + "predict.";
            long d = config.width();
            normWeight = addParameter(Ops.parameter(b + "norm.weight", seed, d));
            normBias = addParameter(Ops.parameter(b + "norm.bias", seed, d));
            fcWeight = addParameter(Ops.parameter(b + "fc.weight", seed, config.depth(), d));
            fcBias = addParameter(Ops.parameter(b + "fc.bias", seed, config.depth()));
        }

        NDArray apply(ParameterStore ps, NDArray z, boolean training) {
            NDArray pooled = z.mean(new int[] {1});
            pooled = Ops.layerNorm(pooled, Ops.value(ps, normWeight, z, training),
                    Ops.value(ps, normBias, z, training), (float) config.layerNormEps());
            return Ops.linear(pooled, Ops.value(ps, fcWeight, z, training), Ops.value(ps, fcBias, z, training));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                         PairList<String, Object> params) {
            return new NDList(apply(ps, inputs.head(), training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), config.depth())};
        }
    }
}
