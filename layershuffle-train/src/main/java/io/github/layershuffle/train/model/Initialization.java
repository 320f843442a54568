package io.github.layershuffle.train.model;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The initial value of every tensor of a fresh model, as Hugging Face's ViT initialises it
 * ({@code initializer_range} 0.02): weights, the class token and the learned positional embedding from a
 * normal distribution of standard deviation 0.02 truncated at two standard deviations, biases zero,
 * LayerNorm scales one; the slot table of LayerShuffle-position (shared or per block) starts at zero, as in the
 * authors' code.
 *
 * <p>Each tensor's values depend only on the seed and the tensor's name, never on the order tensors are
 * made in: a block or variant part added to an existing model later (fine-tuning into another variant) gets
 * exactly the values a fresh model of that seed would have.
 *
 * <pre>{@code
 * Map<String, Tensor> fresh = Initialization.tensors(config, 42);
 * Checkpoint start = new Checkpoint(config, Checkpoint.newFamily(), Map.of(), fresh);
 * }</pre>
 */
public final class Initialization {
    /** Standard deviation of the truncated normal, Hugging Face ViT's {@code initializer_range}. */
    public static final double STD = 0.02;

    private Initialization() {
    }

    /** Every tensor of a fresh model of {@code config}, in {@link VitLayout} order. */
    public static Map<String, Tensor> tensors(ModelConfig config, long seed) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        VitLayout.shapes(config).forEach((name, shape) -> out.put(name, tensor(name, shape, seed)));
        return out;
    }

    /**
     * The initial value of the tensor called {@code name} (a {@link VitLayout} name) with {@code shape}.
     *
     * @throws IllegalArgumentException if the shape has more than {@code Integer.MAX_VALUE} elements
     */
    public static Tensor tensor(String name, long[] shape, long seed) {
        long count = Tensor.elementCount(shape);
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor '" + name + "' is too large: " + count + " elements");
        }
        float[] data = new float[(int) count];
        switch (kind(name)) {
            case ONES -> java.util.Arrays.fill(data, 1f);
            case ZEROS -> { }
            case TRUNCATED_NORMAL -> {
                SplittableRandom random = new SplittableRandom(mix(seed, name));
                for (int i = 0; i < data.length; i++) {
                    double v;
                    do {
                        v = random.nextGaussian();
                    } while (Math.abs(v) > 2.0);
                    data[i] = (float) (v * STD);
                }
            }
            default -> throw new IllegalStateException("unreachable");
        }
        return new Tensor(name, shape.clone(), data);
    }

    private enum Kind { ONES, ZEROS, TRUNCATED_NORMAL }

    private static Kind kind(String name) {
        boolean isNorm = name.contains("norm");
        if (name.endsWith(".bias")) {
            return Kind.ZEROS;
        }
        if (isNorm && name.endsWith(".weight")) {
            return Kind.ONES;
        }
        if (name.endsWith(".pos.embed") || name.equals(VitLayout.SLOT_TABLE)) {
            return Kind.ZEROS;
        }
        return Kind.TRUNCATED_NORMAL;
    }

    /** A per-tensor seed: the run's seed mixed with the name (String.hashCode is fixed by the JLS). */
    private static long mix(long seed, String name) {
        long z = seed * 0x9e3779b97f4a7c15L + name.hashCode();
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
