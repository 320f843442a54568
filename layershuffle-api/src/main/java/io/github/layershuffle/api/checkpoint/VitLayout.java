package io.github.layershuffle.api.checkpoint;

import io.github.layershuffle.api.ModelConfig;
import java.util.LinkedHashMap;

/**
 * The names and shapes of every tensor of a model with a given config, as {@code docs/FORMATS.md} lists
 * them. Training, checkpoints and the exporter all go by this one table.
 */
public final class VitLayout {

    private VitLayout() {
    }

    /** The prefix of block {@code i}'s tensors, e.g. {@code blocks.3.}. */
    public static String block(int i) {
        return "blocks." + i + ".";
    }

    /** Every tensor name of {@code config}, with its shape, in a stable order (stem, blocks, head). */
    public static LinkedHashMap<String, long[]> shapes(ModelConfig config) {
        long d = config.width();
        long m = config.mlpWidth();
        long l = config.depth();
        long f = config.positionEmbeddingWidth();
        long p = config.patchSize();
        LinkedHashMap<String, long[]> s = new LinkedHashMap<>();
        s.put("stem.patch.weight", new long[] {d, config.channels(), p, p});
        s.put("stem.patch.bias", new long[] {d});
        s.put("stem.cls_token", new long[] {1, 1, d});
        s.put("stem.pos_embed", new long[] {1, config.tokenCount(), d});
        for (int i = 0; i < config.depth(); i++) {
            String b = block(i);
            s.put(b + "norm1.weight", new long[] {d});
            s.put(b + "norm1.bias", new long[] {d});
            s.put(b + "attn.qkv.weight", new long[] {3 * d, d});
            s.put(b + "attn.qkv.bias", new long[] {3 * d});
            s.put(b + "attn.proj.weight", new long[] {d, d});
            s.put(b + "attn.proj.bias", new long[] {d});
            s.put(b + "norm2.weight", new long[] {d});
            s.put(b + "norm2.bias", new long[] {d});
            s.put(b + "mlp.fc1.weight", new long[] {m, d});
            s.put(b + "mlp.fc1.bias", new long[] {m});
            s.put(b + "mlp.fc2.weight", new long[] {d, m});
            s.put(b + "mlp.fc2.bias", new long[] {d});
            if (config.variant().usesPosition()) {
                s.put(b + "pos.embed", new long[] {l, f});
                s.put(b + "pos.norm.weight", new long[] {d + f});
                s.put(b + "pos.norm.bias", new long[] {d + f});
                s.put(b + "pos.proj.weight", new long[] {d, d + f});
                s.put(b + "pos.proj.bias", new long[] {d});
            }
            if (config.variant().predictsPosition()) {
                s.put(b + "predict.norm.weight", new long[] {d});
                s.put(b + "predict.norm.bias", new long[] {d});
                s.put(b + "predict.fc.weight", new long[] {l, d});
                s.put(b + "predict.fc.bias", new long[] {l});
            }
        }
        s.put("head.norm.weight", new long[] {d});
        s.put("head.norm.bias", new long[] {d});
        s.put("head.fc.weight", new long[] {config.classes(), d});
        s.put("head.fc.bias", new long[] {config.classes()});
        return s;
    }
}
