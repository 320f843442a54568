package io.github.layershuffle.onnx.export;

import static io.github.layershuffle.onnx.export.OnnxOperator.ADD;
import static io.github.layershuffle.onnx.export.OnnxOperator.CONCAT;
import static io.github.layershuffle.onnx.export.OnnxOperator.CONV;
import static io.github.layershuffle.onnx.export.OnnxOperator.DIV;
import static io.github.layershuffle.onnx.export.OnnxOperator.ERF;
import static io.github.layershuffle.onnx.export.OnnxOperator.EXPAND;
import static io.github.layershuffle.onnx.export.OnnxOperator.GATHER;
import static io.github.layershuffle.onnx.export.OnnxOperator.LAYER_NORMALIZATION;
import static io.github.layershuffle.onnx.export.OnnxOperator.MAT_MUL;
import static io.github.layershuffle.onnx.export.OnnxOperator.MUL;
import static io.github.layershuffle.onnx.export.OnnxOperator.REDUCE_MEAN;
import static io.github.layershuffle.onnx.export.OnnxOperator.RESHAPE;
import static io.github.layershuffle.onnx.export.OnnxOperator.SHAPE;
import static io.github.layershuffle.onnx.export.OnnxOperator.SOFTMAX;
import static io.github.layershuffle.onnx.export.OnnxOperator.SUB;
import static io.github.layershuffle.onnx.export.OnnxOperator.TRANSPOSE;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.onnx.export.OnnxGraph.Value;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Emits the parts of the ViT into one graph, computing exactly what {@code docs/FORMATS.md} says (inference:
 * dropout is the identity). One instance per graph; several parts may go into one graph ({@code model.onnx}
 * chains them all).
 *
 * <p>A -position block's graph always carries the slot table it reads, as an initializer named after its
 * checkpoint tensor: its own {@code blocks.i.pos.embed}, or a copy of the model's shared
 * {@code encoder.slot_table}. So every block file stands alone, and a recipe that composes blocks of several
 * exports runs each with its own model's table. Within one graph a tensor is stored once, so {@code model.onnx}
 * holds a shared table once.
 */
final class VitGraphs {
    private final Checkpoint checkpoint;
    private final ModelConfig config;
    private final OnnxGraph g;
    private Value half;
    private Value one;
    private Value sqrt2;
    private final Map<String, Value> weights = new HashMap<>();

    VitGraphs(Checkpoint checkpoint, OnnxGraph graph) {
        this.checkpoint = checkpoint;
        this.config = checkpoint.config();
        this.g = graph;
    }

    /** pixels [B, C, H, W] in [0, 1] -> tokens [B, T, D]. */
    Value stem(Value pixels) {
        int c = config.channels();
        float[] mean = new float[c];
        float[] std = new float[c];
        for (int i = 0; i < c; i++) {
            mean[i] = config.pixelMean().get(i).floatValue();
            std[i] = config.pixelStd().get(i).floatValue();
        }
        long[] perChannel = {1, c, 1, 1};
        Value x = g.op(SUB, "stem.normalize", List.of(pixels, g.initializer("stem.pixel_mean", perChannel, mean)));
        x = g.op(DIV, "stem.normalize", List.of(x, g.initializer("stem.pixel_std", perChannel, std)));
        long p = config.patchSize();
        x = g.op(CONV, "stem.patch", List.of(x, weight("stem.patch.weight"), weight("stem.patch.bias")),
                Attr.ints("kernel_shape", p, p), Attr.ints("strides", p, p));
        long d = config.width();
        // [B, D, H/P, W/P] -> [B, D, N] -> [B, N, D]; a 0 in Reshape's shape keeps the (dynamic) batch size
        x = g.op(RESHAPE, "stem.flatten", List.of(x, g.ints("stem.flatten.shape", 0, d, config.patchCount())));
        x = g.op(TRANSPOSE, "stem.flatten", List.of(x), Attr.ints("perm", 0, 2, 1));
        Value batch = g.op(SHAPE, "stem.batch", List.of(pixels), Attr.of("start", 0L), Attr.of("end", 1L));
        Value clsShape = g.op(CONCAT, "stem.cls", List.of(batch, g.ints("stem.cls.shape", 1, d)),
                Attr.of("axis", 0L));
        Value cls = g.op(EXPAND, "stem.cls", List.of(weight("stem.cls_token"), clsShape));
        Value tokens = g.op(CONCAT, "stem.tokens", List.of(cls, x), Attr.of("axis", 1L));
        return g.op(ADD, "stem.pos_embed", List.of(tokens, weight("stem.pos_embed")));
    }

    /**
     * Block {@code i}: tokens [B, T, D] -> tokens [B, T, D].
     *
     * @param position the slot the block runs in, an int64 scalar; used by the -position variant only
     */
    Value block(int i, Value tokens, Value position) {
        String b = VitLayout.block(i);
        Value z = tokens;
        if (config.variant().usesPosition()) {
            z = positionBranch(b, VitLayout.slotTable(config, i), z, position);
        }
        z = g.op(ADD, b + "attn.residual", List.of(z, attention(b, layerNorm(b + "norm1", z))));
        Value h = linear(b + "mlp.fc1", layerNorm(b + "norm2", z));
        h = linear(b + "mlp.fc2", gelu(b + "mlp.gelu", h));
        return g.op(ADD, b + "mlp.residual", List.of(z, h));
    }

    /** The -predict head of block {@code i}: its output tokens [B, T, D] -> position_logits [B, L]. */
    Value positionLogits(int i, Value blockOutput) {
        String b = VitLayout.block(i);
        Value m = g.op(REDUCE_MEAN, b + "predict.mean", List.of(blockOutput), Attr.ints("axes", 1),
                Attr.of("keepdims", 0L));
        return linear(b + "predict.fc", layerNorm(b + "predict.norm", m));
    }

    /** tokens [B, T, D] -> logits [B, K], from the class token. */
    Value head(Value tokens) {
        Value cls = g.op(GATHER, "head.cls", List.of(tokens, g.scalar("head.cls.index", 0L)), Attr.of("axis", 1L));
        return linear("head.fc", layerNorm("head.norm", cls));
    }

    /** z + gelu(pos.proj(pos.norm(concat(z, repeat(table[p], T))))). */
    private Value positionBranch(String b, String table, Value z, Value position) {
        if (position == null) {
            throw new IllegalStateException(b + ": a " + config.variant() + " block needs the position input");
        }
        long f = config.positionEmbeddingWidth();
        Value slot = g.op(GATHER, b + "pos.embed", List.of(weight(table), position), Attr.of("axis", 0L));
        Value batchAndTokens = g.op(SHAPE, b + "pos.shape", List.of(z), Attr.of("start", 0L), Attr.of("end", 2L));
        Value shape = g.op(CONCAT, b + "pos.shape", List.of(batchAndTokens, g.ints(b + "pos.width", f)),
                Attr.of("axis", 0L));
        Value repeated = g.op(EXPAND, b + "pos.repeat", List.of(slot, shape));
        Value h = g.op(CONCAT, b + "pos.concat", List.of(z, repeated), Attr.of("axis", -1L));
        h = gelu(b + "pos.gelu", linear(b + "pos.proj", layerNorm(b + "pos.norm", h)));
        return g.op(ADD, b + "pos.residual", List.of(z, h));
    }

    /** Multi-head self-attention over x [B, T, D], with the output projection. */
    private Value attention(String b, Value x) {
        long d = config.width();
        long heads = config.heads();
        long hd = config.headWidth();
        String a = b + "attn";
        // qkv rows are all q, then all k, then all v; head h owns columns h*hd .. of each: [B, T, 3, H, hd]
        Value qkv = g.op(RESHAPE, a + ".qkv",
                List.of(linear(a + ".qkv", x), g.ints(a + ".qkv.shape", 0, 0, 3, heads, hd)));
        qkv = g.op(TRANSPOSE, a + ".qkv", List.of(qkv), Attr.ints("perm", 2, 0, 3, 1, 4));
        Value q = g.op(GATHER, a + ".q", List.of(qkv, g.scalar(a + ".q.index", 0L)), Attr.of("axis", 0L));
        Value k = g.op(GATHER, a + ".k", List.of(qkv, g.scalar(a + ".k.index", 1L)), Attr.of("axis", 0L));
        Value v = g.op(GATHER, a + ".v", List.of(qkv, g.scalar(a + ".v.index", 2L)), Attr.of("axis", 0L));
        q = g.op(MUL, a + ".scale", List.of(q, g.scalar(a + ".scale", (float) (1.0 / Math.sqrt(hd)))));
        Value kt = g.op(TRANSPOSE, a + ".k", List.of(k), Attr.ints("perm", 0, 1, 3, 2));
        Value scores = g.op(MAT_MUL, a + ".scores", List.of(q, kt));
        Value weights = g.op(SOFTMAX, a + ".softmax", List.of(scores), Attr.of("axis", -1L));
        Value o = g.op(MAT_MUL, a + ".context", List.of(weights, v));
        o = g.op(TRANSPOSE, a + ".merge", List.of(o), Attr.ints("perm", 0, 2, 1, 3));
        o = g.op(RESHAPE, a + ".merge", List.of(o, g.ints(a + ".merge.shape", 0, 0, d)));
        return linear(a + ".proj", o);
    }

    /** LayerNorm over the last axis with {@code prefix.weight} and {@code prefix.bias}. */
    private Value layerNorm(String prefix, Value x) {
        return g.op(LAYER_NORMALIZATION, prefix, List.of(x, weight(prefix + ".weight"), weight(prefix + ".bias")),
                Attr.of("axis", -1L), Attr.of("epsilon", (float) config.layerNormEps()));
    }

    /** x W^T + b for a PyTorch-layout weight [out, in], stored transposed so MatMul reads it directly. */
    private Value linear(String prefix, Value x) {
        Tensor w = checkpoint.tensor(prefix + ".weight");
        int out = Math.toIntExact(w.shape()[0]);
        int in = Math.toIntExact(w.shape()[1]);
        float[] t = new float[w.data().length];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                t[i * out + o] = w.data()[o * in + i];
            }
        }
        Value wt = g.initializer(prefix + ".weight.T", new long[] {in, out}, t);
        Value y = g.op(MAT_MUL, prefix, List.of(x, wt));
        return g.op(ADD, prefix, List.of(y, weight(prefix + ".bias")));
    }

    /**
     * The exact GELU, {@code 0.5 x (1 + erf(x / sqrt 2))}, as PyTorch's default {@code gelu}. Written with a
     * division by sqrt 2, the form ONNX Runtime's GELU fusion recognises (with a multiplication by 1 / sqrt 2 the
     * five operators stay five kernels); {@code OnnxRuntimeFusionTest} keeps it so.
     */
    private Value gelu(String hint, Value x) {
        if (half == null) {
            half = g.scalar("gelu.half", 0.5f);
            one = g.scalar("gelu.one", 1f);
            sqrt2 = g.scalar("gelu.sqrt2", (float) Math.sqrt(2.0));
        }
        Value e = g.op(ERF, hint, List.of(g.op(DIV, hint, List.of(x, sqrt2))));
        Value y = g.op(MUL, hint, List.of(x, g.op(ADD, hint, List.of(e, one))));
        return g.op(MUL, hint, List.of(y, half));
    }

    /** The checkpoint tensor {@code name} as an initializer of this graph, added on first use. */
    private Value weight(String name) {
        return weights.computeIfAbsent(name, n -> {
            Tensor t = checkpoint.tensor(n);
            return g.initializer(n, t.shape(), t.data());
        });
    }
}
