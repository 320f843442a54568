package io.github.layershuffle.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.VitLayout;

/**
 * One pre-norm transformer block of the ViT, told the slot it runs in (FORMATS.md, "block i, running in
 * slot p"):
 *
 * <pre>
 * (-position) z = z + dropout(gelu(pos.proj(pos.norm(concat(z, table[p])))))   table: shared or pos.embed
 *             z = z + dropout(attn.proj(MSA(norm1(z))))
 *             z = z + dropout(mlp.fc2(gelu(mlp.fc1(norm2(z)))))
 * (-predict)  position_logits = predict.fc(predict.norm(mean over tokens of z))
 * </pre>
 *
 * <p>Activations travel as an {@link NDList} whose first array is the tokens {@code [B, T, D]}; a
 * LayerShuffle-predict block appends its position logits {@code [B, L]} to what it received, so after a
 * whole plan the list holds the tokens followed by one logits array per slot, in slot order. Other variants
 * return a one-element list. Dropout, where configured, follows the block, not the slot it runs in.
 *
 * <p>Blocks are made by {@link VisionTransformer}; its {@link VisionTransformer#blocks} runs them in a plan.
 */
public final class EncoderBlock extends AbstractBlock {
    /** The key of the slot ({@link Integer}) in the {@code params} of a DJL {@code forward} call. */
    public static final String SLOT = "slot";

    private final ModelConfig config;
    private final int index;
    private final Parameter norm1Weight;
    private final Parameter norm1Bias;
    private final Parameter qkvWeight;
    private final Parameter qkvBias;
    private final Parameter projWeight;
    private final Parameter projBias;
    private final Parameter norm2Weight;
    private final Parameter norm2Bias;
    private final Parameter fc1Weight;
    private final Parameter fc1Bias;
    private final Parameter fc2Weight;
    private final Parameter fc2Bias;
    private final SlotParts.SlotEmbedding slotEmbedding;
    private final SlotParts.SlotPredictor slotPredictor;

    EncoderBlock(ModelConfig config, int index, long seed, Parameter sharedSlotTable) {
        this.config = config;
        this.index = index;
        String b = VitLayout.block(index);
        long d = config.width();
        long m = config.mlpWidth();
        norm1Weight = addParameter(Ops.parameter(b + "norm1.weight", seed, d));
        norm1Bias = addParameter(Ops.parameter(b + "norm1.bias", seed, d));
        qkvWeight = addParameter(Ops.parameter(b + "attn.qkv.weight", seed, 3 * d, d));
        qkvBias = addParameter(Ops.parameter(b + "attn.qkv.bias", seed, 3 * d));
        projWeight = addParameter(Ops.parameter(b + "attn.proj.weight", seed, d, d));
        projBias = addParameter(Ops.parameter(b + "attn.proj.bias", seed, d));
        norm2Weight = addParameter(Ops.parameter(b + "norm2.weight", seed, d));
        norm2Bias = addParameter(Ops.parameter(b + "norm2.bias", seed, d));
        fc1Weight = addParameter(Ops.parameter(b + "mlp.fc1.weight", seed, m, d));
        fc1Bias = addParameter(Ops.parameter(b + "mlp.fc1.bias", seed, m));
        fc2Weight = addParameter(Ops.parameter(b + "mlp.fc2.weight", seed, d, m));
        fc2Bias = addParameter(Ops.parameter(b + "mlp.fc2.bias", seed, d));
        slotEmbedding = config.variant().usesPosition()
                ? addChildBlock("pos", new SlotParts.SlotEmbedding(config, index, seed, sharedSlotTable)) : null;
        slotPredictor = config.variant().predictsPosition()
                ? addChildBlock("predict", new SlotParts.SlotPredictor(config, index, seed)) : null;
    }

    /** This block's index in its model: the {@code i} of its {@code blocks.i.*} tensors. */
    public int index() {
        return index;
    }

    /**
     * Runs the block in {@code slot}.
     *
     * @param ps       where parameter values come from (the trainer's store, or a plain one for inference)
     * @param input    the tokens first, then any position logits of earlier slots (see the class comment)
     * @param slot     the 0-based slot this block runs in
     * @param training whether dropout is active and gradients are wanted
     * @return the new tokens first, then the logits received, then this block's own (-predict only)
     * @throws IllegalArgumentException if {@code slot} is not in {@code [0, depth)} or the tokens are not
     *                                  {@code [B, T, D]} of this model
     */
    public NDList apply(ParameterStore ps, NDList input, int slot, boolean training) {
        if (slot < 0 || slot >= config.depth()) {
            throw new IllegalArgumentException("block " + index + ": slot " + slot + " is out of range [0, "
                    + config.depth() + ")");
        }
        NDArray z = input.head();
        Shape s = z.getShape();
        if (s.dimension() != 3 || s.get(1) != config.tokenCount() || s.get(2) != config.width()) {
            throw new IllegalArgumentException("block " + index + ": tokens have shape " + s
                    + ", expected [batch, " + config.tokenCount() + ", " + config.width() + "]");
        }
        float rate = (float) config.dropout();
        float eps = (float) config.layerNormEps();
        if (slotEmbedding != null) {
            z = slotEmbedding.apply(ps, z, slot, training);
        }
        NDArray h = Ops.layerNorm(z, v(ps, norm1Weight, z, training), v(ps, norm1Bias, z, training), eps);
        z = z.add(Ops.dropout(attention(ps, h, training), rate, training));
        h = Ops.layerNorm(z, v(ps, norm2Weight, z, training), v(ps, norm2Bias, z, training), eps);
        h = Activation.gelu(Ops.linear(h, v(ps, fc1Weight, z, training), v(ps, fc1Bias, z, training)));
        h = Ops.linear(h, v(ps, fc2Weight, z, training), v(ps, fc2Bias, z, training));
        z = z.add(Ops.dropout(h, rate, training));

        NDList out = new NDList(input.size() + 1);
        out.add(z);
        out.addAll(input.subNDList(1));
        if (slotPredictor != null) {
            out.add(slotPredictor.apply(ps, z, training));
        }
        return out;
    }

    /** Multi-head self-attention, {@code softmax(q k^T / sqrt(D/heads)) v} per head, then the projection. */
    private NDArray attention(ParameterStore ps, NDArray x, boolean training) {
        Shape s = x.getShape();
        long b = s.get(0);
        long t = s.get(1);
        int heads = config.heads();
        long hd = config.headWidth();
        NDArray qkv = Ops.linear(x, v(ps, qkvWeight, x, training), v(ps, qkvBias, x, training))
                .reshape(b, t, 3, heads, hd).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0).mul(1.0 / Math.sqrt(hd));
        NDArray k = qkv.get(1);
        NDArray val = qkv.get(2);
        NDArray att = q.matMul(k.transpose(0, 1, 3, 2)).softmax(-1);
        NDArray out = att.matMul(val).transpose(0, 2, 1, 3).reshape(b, t, config.width());
        return Ops.linear(out, v(ps, projWeight, x, training), v(ps, projBias, x, training));
    }

    private static NDArray v(ParameterStore ps, Parameter p, NDArray like, boolean training) {
        return Ops.value(ps, p, like, training);
    }

    static int slotParam(PairList<String, Object> params) {
        Object slot = params == null ? null : params.get(SLOT);
        if (!(slot instanceof Integer i)) {
            throw new IllegalArgumentException("a block's forward needs the param '" + SLOT
                    + "' (Integer, the slot it runs in), got " + slot);
        }
        return i;
    }

    /** DJL entry point: {@code params} must hold {@link #SLOT}. */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        return apply(ps, inputs, slotParam(params), training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] out = new Shape[inputShapes.length + (slotPredictor != null ? 1 : 0)];
        System.arraycopy(inputShapes, 0, out, 0, inputShapes.length);
        if (slotPredictor != null) {
            out[out.length - 1] = new Shape(inputShapes[0].get(0), config.depth());
        }
        return out;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        for (ai.djl.nn.Block child : getChildren().values()) {
            child.initialize(manager, dataType, inputShapes[0]);
        }
    }
}
