package io.github.layershuffle.api.checkpoint;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import java.util.LinkedHashMap;

/**
 * The names and shapes of every tensor of a model with a given config, as {@code docs/FORMATS.md} lists
 * them. Training, checkpoints and the exporter all go by this one table.
 */
public final class VitLayout {
    /** LayerShuffle-position's slot table {@code [L, F]} when all blocks share one ({@link SlotTable#SHARED}). */
    public static final String SLOT_TABLE = "encoder.slot_table";

    private VitLayout() {
    }

    /** The prefix of block {@code i}'s tensors, e.g. {@code blocks.3.}. */
    public static String block(int i) {
        return "blocks." + i + ".";
    }

    /**
     * The tensor block {@code i} of a LayerShuffle-position model reads its slot embedding from:
     * {@link #SLOT_TABLE} if the blocks share one, else {@code blocks.i.pos.embed}.
     *
     * @throws IllegalArgumentException if the config's variant has no slot embedding, or {@code i} is not in
     *                                  {@code [0, depth)}
     */
    public static String slotTable(ModelConfig config, int i) {
        if (!config.variant().usesPosition()) {
            throw new IllegalArgumentException("a " + config.variant() + " model has no slot table");
        }
        if (i < 0 || i >= config.depth()) {
            throw new IllegalArgumentException("block " + i + " is out of range [0, " + config.depth() + ")");
        }
        return config.slotTable() == SlotTable.SHARED ? SLOT_TABLE : block(i) + "pos.embed";
    }

    /**
     * Every tensor name of {@code config}, with its shape, in a stable order: stem, the shared slot table
     * (-position with {@link SlotTable#SHARED}), blocks, head.
     */
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
        boolean shared = config.slotTable() == SlotTable.SHARED;
        if (config.variant().usesPosition() && shared) {
            s.put(SLOT_TABLE, new long[] {l, f});
        }
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
                if (!shared) {
                    s.put(b + "pos.embed", new long[] {l, f});
                }
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
