package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.onnx.export.OnnxExporter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Exports of untrained models with random weights, for trying a swarm before any model is trained: their labels
 * are chance, everything else (shapes, routing, faults, timing) is real.
 */
public final class RandomExports {
    /** The Fashion-MNIST class names, in label order. */
    public static final List<String> FASHION_LABELS = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private RandomExports() {
    }

    /**
     * A small Fashion-MNIST-shaped config: 28x28 grey images, patch 7 (17 tokens), 10 classes.
     *
     * @throws IllegalArgumentException if the sizes do not make a valid config
     */
    public static ModelConfig fashionConfig(Variant variant, int depth, int width, int heads) {
        return ModelConfig.builder().imageSize(28).channels(1).patchSize(7).width(width).depth(depth).heads(heads)
                .mlpWidth(2 * width).classes(10).variant(variant).positionEmbeddingWidth(8)
                .labels(FASHION_LABELS).build();
    }

    /**
     * A checkpoint of {@code config} with random weights: linear weights ~ N(0, 1/fan-in), norm weights ~ 1,
     * everything else ~ N(0, 0.02^2).
     */
    public static Checkpoint checkpoint(ModelConfig config, String family, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : VitLayout.shapes(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(Tensor.elementCount(shape))];
            boolean norm = name.contains("norm") && name.endsWith(".weight");
            double scale = norm ? 0 : shape.length >= 2 && name.endsWith(".weight")
                    ? 1 / Math.sqrt((double) Tensor.elementCount(shape) / shape[0]) : 0.02;
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((norm ? 1 : 0) + rng.nextGaussian() * scale);
            }
            tensors.put(name, new Tensor(name, shape, data));
        }
        return new Checkpoint(config, family, Map.of("note", "random weights, untrained", "seed",
                String.valueOf(seed)), tensors);
    }

    /**
     * Exports a random model of {@code config} into {@code dir} (which must not exist).
     *
     * @return the export directory
     */
    public static Path export(ModelConfig config, String family, long seed, Path dir) {
        return OnnxExporter.create().export(checkpoint(config, family, seed), dir);
    }
}
