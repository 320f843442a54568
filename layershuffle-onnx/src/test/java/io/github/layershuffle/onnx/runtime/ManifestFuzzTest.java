package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.layershuffle.api.LayerShuffleException;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@link Manifest#parse}: it either refuses with {@link LayerShuffleException}, with a message of bounded
 * length, or returns a manifest whose JSON form parses to an equal one. {@code mvn verify} fuzzes it (see
 * CONTRIBUTING.md); {@code mvn test} replays the seeds in {@code ManifestFuzzTestInputs/parse}.
 */
class ManifestFuzzTest {

    @FuzzTest
    void parse(byte[] input) {
        Manifest manifest;
        try {
            manifest = Manifest.parse(new String(input, StandardCharsets.UTF_8), "fuzz/manifest.json");
        } catch (LayerShuffleException e) {
            FuzzBounds.checkMessage(e, input.length);
            return;
        }
        assertThat(Manifest.parse(manifest.toJson(), "round trip")).isEqualTo(manifest);
    }
}
