package io.github.layershuffle.train.model;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Tiny configs and random weights shared by the train module's tests. */
public final class TestModels {
    private TestModels() {
    }

    /** imageSize 8, patch 4 (5 tokens), width 16, depth 3, heads 2, MLP 32, 4 classes, 2 channels. */
    public static ModelConfig tiny(Variant variant) {
        return ModelConfig.builder().imageSize(8).channels(2).patchSize(4).width(16).depth(3).heads(2)
                .mlpWidth(32).classes(4).variant(variant).positionEmbeddingWidth(4)
                .pixelMean(java.util.List.of(0.4, 0.6)).pixelStd(java.util.List.of(0.25, 0.5)).build();
    }

    /**
     * A checkpoint of {@code config} whose every tensor is random, LayerNorm scales around 1 and the slot
     * embedding non-zero, so a test sees each part's effect.
     */
    public static Checkpoint randomCheckpoint(ModelConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        VitLayout.shapes(config).forEach((name, shape) -> {
            float[] data = new float[(int) Tensor.elementCount(shape)];
            boolean scale = name.contains("norm") && name.endsWith(".weight");
            for (int i = 0; i < data.length; i++) {
                double v = random.nextDouble(-0.5, 0.5);
                data[i] = (float) (scale ? 1 + v : v);
            }
            tensors.put(name, new Tensor(name, shape, data));
        });
        return new Checkpoint(config, "test-family", Map.of(), tensors);
    }

    /** {@code batch} random images in [0, 1], row-major {@code [B, C, H, W]}. */
    public static float[] randomPixels(ModelConfig config, int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] px = new float[batch * config.channels() * config.imageSize() * config.imageSize()];
        for (int i = 0; i < px.length; i++) {
            px[i] = (float) random.nextDouble();
        }
        return px;
    }
}
