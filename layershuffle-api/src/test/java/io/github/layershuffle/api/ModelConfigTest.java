package io.github.layershuffle.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

    @Test
    void jsonRoundTrips() {
        ModelConfig config = ModelConfig.builder().variant(Variant.LAYERSHUFFLE_POSITION).dropout(0.1)
                .labels(List.of("a", "b", "c")).classes(3).pixelMean(List.of(0.3)).pixelStd(List.of(0.2)).build();
        assertThat(ModelConfig.fromJson(config.toJson())).isEqualTo(config);
        assertThat(ModelConfig.vitB16(1000).tokenCount()).isEqualTo(197);
        assertThat(config.tokenCount()).isEqualTo(50);
    }

    @Test
    void validationNamesTheField() {
        assertThatThrownBy(() -> ModelConfig.builder().width(65).build())
                .hasMessageContaining("width (65) is not divisible by heads (4)");
        assertThatThrownBy(() -> ModelConfig.builder().patchSize(5).build())
                .hasMessageContaining("imageSize (28) is not divisible by patchSize (5)");
        assertThatThrownBy(() -> ModelConfig.builder().depth(0).build()).hasMessageContaining("depth");
        assertThatThrownBy(() -> ModelConfig.builder().dropout(1.0).build()).hasMessageContaining("dropout");
        assertThatThrownBy(() -> ModelConfig.builder().labels(List.of("x")).build()).hasMessageContaining("labels");
    }

    @Test
    void jsonErrorsNameTheField() {
        String json = ModelConfig.builder().build().toJson();
        assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"width\"", "\"widht\"")))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("'width' is missing");
        assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"baseline\"", "\"shuffled\"")))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("shuffled")
                .hasMessageContaining("layershuffle-position");
        assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"version\" : 1", "\"version\" : 2")))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("version");
        assertThatThrownBy(() -> ModelConfig.fromJson("{nope"))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("not valid JSON");
    }

    @Test
    void variantsNameTheirTrainingPolicy() {
        ModelConfig config = ModelConfig.builder().build();
        assertThat(Variant.BASELINE.trainingPolicy(config, 1).plan(12).isSequential()).isTrue();
        assertThat(Variant.LAYERSHUFFLE.trainingPolicy(config, 1).plan(12).size()).isEqualTo(12);
        assertThat(Variant.LAYERDROP.trainingPolicy(config, 1)).hasToString("sequential().seeded(1).drop(0.2)");
        assertThat(Variant.fromId("LayerShuffle_Predict")).isEqualTo(Variant.LAYERSHUFFLE_PREDICT);
    }
}
