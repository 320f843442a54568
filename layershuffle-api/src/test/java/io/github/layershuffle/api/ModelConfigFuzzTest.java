package io.github.layershuffle.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.layershuffle.api.checkpoint.FuzzFiles;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link ModelConfig#fromJson}: it either refuses with {@link LayerShuffleException} or returns a config
 * within every limit that survives a JSON round trip. {@code mvn verify} fuzzes it (see CONTRIBUTING.md);
 * {@code mvn test} replays the seeds in {@code ModelConfigFuzzTestInputs/json}.
 */
class ModelConfigFuzzTest {

    @FuzzTest
    void json(byte[] input) {
        ModelConfig config;
        try {
            config = ModelConfig.fromJson(new String(input, StandardCharsets.UTF_8));
        } catch (LayerShuffleException e) {
            FuzzFiles.checkMessage(e, input.length);
            return;
        }
        assertThat(config.tokenCount()).isBetween(2, ModelConfig.MAX_TOKENS);
        assertThat(config.depth()).isBetween(1, ModelConfig.MAX_DEPTH);
        assertThat(config.parameterCount()).isBetween(1L, ModelConfig.MAX_PARAMETERS);
        assertThat(ModelConfig.fromJson(config.toJson())).isEqualTo(config);
    }
}
