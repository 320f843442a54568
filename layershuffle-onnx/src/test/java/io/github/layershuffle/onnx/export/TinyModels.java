package io.github.layershuffle.onnx.export;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Tiny random ViT checkpoints for export tests: width 16, depth 3, 2 heads, 8x8 images, patch 4 (T = 5). */
final class TinyModels {
    private TinyModels() {
    }

    static ModelConfig config(Variant variant, int channels) {
        List<Double> mean = channels == 1 ? List.of(0.25) : List.of(0.485, 0.456, 0.406);
        List<Double> std = channels == 1 ? List.of(0.5) : List.of(0.229, 0.224, 0.225);
        return ModelConfig.builder().imageSize(8).channels(channels).patchSize(4).width(16).depth(3).heads(2)
                .mlpWidth(24).classes(5).variant(variant).positionEmbeddingWidth(6).layerNormEps(1e-6)
                .pixelMean(mean).pixelStd(std).build();
    }

    /**
     * Random weights: linear weights ~ N(0, 1/in), norms ~ 1 + N(0, 0.1), biases, embeddings and the slot
     * embedding ~ N(0, 0.5^2) (non-zero, unlike a fresh model, so every term shows in the output).
     */
    static Checkpoint checkpoint(ModelConfig config, long seed) {
        Random rnd = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : VitLayout.shapes(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(Tensor.elementCount(shape))];
            boolean norm = name.contains("norm") && name.endsWith(".weight");
            double scale = shape.length >= 2 && name.endsWith(".weight") && !norm
                    ? 1 / Math.sqrt(Tensor.elementCount(shape) / shape[0]) : 0.5;
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((norm ? 1 : 0) + rnd.nextGaussian() * (norm ? 0.1 : scale));
            }
            tensors.put(name, new Tensor(name, shape, data));
        }
        return new Checkpoint(config, "family-" + seed, Map.of("epoch", "7"), tensors);
    }

    /** Pixels in [0, 1]. */
    static float[] pixels(ModelConfig config, int batch, long seed) {
        Random rnd = new Random(seed);
        float[] p = new float[batch * config.channels() * config.imageSize() * config.imageSize()];
        for (int i = 0; i < p.length; i++) {
            p[i] = rnd.nextFloat();
        }
        return p;
    }

    /** Random tokens ~ N(0, 1), shaped [batch, T, D]. */
    static float[] tokens(ModelConfig config, int batch, long seed) {
        Random rnd = new Random(seed);
        float[] t = new float[batch * config.tokenCount() * config.width()];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) rnd.nextGaussian();
        }
        return t;
    }
}
