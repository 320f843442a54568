package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes {@link Recipe#read} on a {@code .yaml} file: it either refuses with {@link LayerShuffleException}, with
 * a message of bounded length, or returns a recipe with at least one slot. {@code mvn verify} fuzzes it (see
 * CONTRIBUTING.md); {@code mvn test} replays the seeds in {@code RecipeYamlFuzzTestInputs/read}.
 */
class RecipeYamlFuzzTest {
    private static final Path FILE = FuzzBounds.temp("recipe.yaml");

    @FuzzTest
    void read(byte[] input) throws IOException {
        Files.write(FILE, input);
        try {
            Recipe recipe = Recipe.read(FILE);
            assertThat(recipe.slots()).isNotEmpty();
        } catch (LayerShuffleException e) {
            FuzzBounds.checkMessage(e, input.length);
        }
    }
}
