package io.github.layershuffle.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Configs from untrusted files: every size is bounded before anything is allocated (issue 11). */
class ModelConfigLimitsTest {

    private static final String SMALL = ModelConfig.builder().width(8).heads(2).mlpWidth(8).depth(2).build().toJson();

    private static String with(String field, long value) {
        return SMALL.replaceFirst("\"" + field + "\" : \\d+", "\"" + field + "\" : " + value);
    }

    @Test
    void everyFieldIsCappedAndTheMessageNamesFieldAndLimit() {
        Map<String, Integer> limits = Map.of("imageSize", ModelConfig.MAX_IMAGE_SIZE,
                "channels", ModelConfig.MAX_CHANNELS, "patchSize", ModelConfig.MAX_PATCH_SIZE,
                "width", ModelConfig.MAX_WIDTH, "depth", ModelConfig.MAX_DEPTH, "heads", ModelConfig.MAX_HEADS,
                "mlpWidth", ModelConfig.MAX_MLP_WIDTH, "classes", ModelConfig.MAX_CLASSES,
                "positionEmbeddingWidth", ModelConfig.MAX_POSITION_WIDTH);
        limits.forEach((field, limit) -> {
            for (long bad : new long[] {limit + 1L, Integer.MAX_VALUE}) {
                assertThatThrownBy(() -> ModelConfig.fromJson(with(field, bad)))
                        .as(field + " = " + bad).isInstanceOf(LayerShuffleException.class)
                        .hasMessageContaining(field).hasMessageContaining(Integer.toString(limit));
            }
        });
    }

    @Test
    void aHugeDepthIsRefusedAtOnceNotAfterAllocating() {
        assertThatThrownBy(() -> ModelConfig.fromJson(with("depth", 2_000_000_000)))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("depth is 2000000000")
                .hasMessageContaining("limit of " + ModelConfig.MAX_DEPTH);
        assertThat(ModelConfig.fromJson(with("depth", ModelConfig.MAX_DEPTH)).depth()).isEqualTo(ModelConfig.MAX_DEPTH);
    }

    @Test
    void imageSizesWhoseTokenCountWouldWrapAreRefused() {
        // 4096 / 1 per side is 16.7 million tokens; in int arithmetic (65536 / 1)^2 once wrapped to 0 patches.
        for (int[] sizes : new int[][] {{4096, 1}, {4096, 2}, {2048, 1}, {3000, 10}}) {
            String json = with("imageSize", sizes[0])
                    .replaceFirst("\"patchSize\" : \\d+", "\"patchSize\" : " + sizes[1]);
            assertThatThrownBy(() -> ModelConfig.fromJson(json)).as(sizes[0] + "/" + sizes[1])
                    .isInstanceOf(LayerShuffleException.class).hasMessageContaining("tokens")
                    .hasMessageContaining("limit of " + ModelConfig.MAX_TOKENS);
        }
        ModelConfig largest = ModelConfig.builder().imageSize(4096).patchSize(16).width(8).heads(2).mlpWidth(8)
                .depth(1).build();
        assertThat(largest.tokenCount()).isEqualTo(ModelConfig.MAX_TOKENS);
    }

    @Test
    void tensorsAndModelsPastTheirLimitsAreRefused() {
        BiFunction<Integer, Integer, ModelConfig.Builder> wide = (width, mlp) -> ModelConfig.builder().width(width)
                .heads(1).mlpWidth(mlp);
        assertThatThrownBy(() -> ModelConfig.builder().channels(64).patchSize(1024).imageSize(1024).width(64).heads(1)
                .pixelMean(List.of()).pixelStd(List.of()).build())
                .hasMessageContaining("stem.patch.weight").hasMessageContaining("" + ModelConfig.MAX_TENSOR_ELEMENTS);
        assertThatThrownBy(() -> wide.apply(4096, 8).depth(1).classes(1_000_000).build())
                .hasMessageContaining("head.fc.weight");
        assertThatThrownBy(() -> wide.apply(8192, 8192).depth(1024).build())
                .hasMessageContaining("parameters").hasMessageContaining("" + ModelConfig.MAX_PARAMETERS);
    }

    @Test
    void parameterCountIsTheSumOfTheLayoutsTensors() {
        for (Variant v : Variant.values()) {
            ModelConfig config = ModelConfig.builder().variant(v).depth(3).build();
            long sum = VitLayout.shapes(config).values().stream().mapToLong(Tensor::elementCount).sum();
            assertThat(config.parameterCount()).as(v.id()).isEqualTo(sum);
        }
    }

    @Test
    void nonFinitePixelMeanIsRefusedLikePixelStd() {
        for (double bad : new double[] {Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN}) {
            assertThatThrownBy(() -> ModelConfig.builder().pixelMean(List.of(bad)).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pixelMean")
                    .hasMessageContaining("finite");
        }
        String json = SMALL.replaceFirst("\"pixelMean\" : \\[ [^]]* \\]", "\"pixelMean\" : [ 1e999 ]");
        assertThat(json).contains("1e999");
        assertThatThrownBy(() -> ModelConfig.fromJson(json)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("pixelMean");
    }

    @Test
    void anOversizedConfigFileIsRefusedBeforeItIsRead(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("config.json");
        String pad = "x".repeat((int) ModelConfig.MAX_JSON_BYTES);
        Files.writeString(file, SMALL.replace("{", "{\"pad\" : \"" + pad + "\","));
        assertThatThrownBy(() -> ModelConfig.read(file)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("" + ModelConfig.MAX_JSON_BYTES);
    }
}
