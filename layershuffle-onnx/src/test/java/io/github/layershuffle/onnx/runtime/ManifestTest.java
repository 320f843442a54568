package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manifest reader against the literal form of docs/FORMATS.md. */
class ManifestTest {
    private static final String SHA = "a".repeat(64);

    @TempDir
    Path tmp;

    /** A -predict manifest of a 4x4 grey model, patch 2 (T = 5), width 3, one block, as FORMATS.md writes it. */
    static String manifest(String blockInputs, String blockOutputs) {
        return """
                {
                  "format": "layershuffle-export",
                  "version": 1,
                  "family": "6f1c",
                  "producer": "layershuffle 0.1.0-SNAPSHOT",
                  "opset": 17,
                  "irVersion": 8,
                  "somethingNew": {"ignored": true},
                  "config": { "format": "layershuffle-config", "version": 1, "imageSize": 4, "channels": 1,
                              "patchSize": 2, "width": 3, "depth": 1, "heads": 1, "mlpWidth": 4, "classes": 2,
                              "variant": "layershuffle-predict", "labels": ["cat", "dog"] },
                  "stem":   { "file": "stem.onnx", "sha256": "SHA",
                              "inputs":  [ { "name": "pixels", "type": "float32", "shape": [-1, 1, 4, 4] } ],
                              "outputs": [ { "name": "tokens", "type": "float32", "shape": [-1, 5, 3] } ] },
                  "blocks": [ { "index": 0, "file": "block-00.onnx", "sha256": "SHA",
                                "inputs": BLOCK_INPUTS, "outputs": BLOCK_OUTPUTS } ],
                  "head":   { "file": "head.onnx", "sha256": "SHA",
                              "inputs":  [ { "name": "tokens", "type": "float32", "shape": [-1, 5, 3] } ],
                              "outputs": [ { "name": "logits", "type": "float32", "shape": [-1, 2] } ] }
                }
                """.replace("SHA", SHA).replace("BLOCK_INPUTS", blockInputs).replace("BLOCK_OUTPUTS", blockOutputs);
    }

    static final String TOKENS_IN = "[ { \"name\": \"tokens\", \"type\": \"float32\", \"shape\": [-1, 5, 3] } ]";
    static final String PREDICT_OUT = "[ { \"name\": \"tokens_out\", \"type\": \"float32\", \"shape\": [-1, 5, 3] },"
            + " { \"name\": \"position_logits\", \"type\": \"float32\", \"shape\": [-1, 1] } ]";

    @Test
    void readsTheDocumentedFormAndWritesItBack() {
        Manifest m = Manifest.parse(manifest(TOKENS_IN, PREDICT_OUT), "test");
        assertThat(m.family()).isEqualTo("6f1c");
        assertThat(m.opset()).isEqualTo(17);
        assertThat(m.config().variant()).isEqualTo(Variant.LAYERSHUFFLE_PREDICT);
        assertThat(m.config().labels()).containsExactly("cat", "dog");
        assertThat(m.blocks()).hasSize(1);
        assertThat(m.blocks().get(0).outputs()).extracting(Manifest.TensorSpec::name)
                .containsExactly("tokens_out", "position_logits");
        assertThat(m.full()).isNull();
        assertThat(Manifest.parse(m.toJson(), "round trip")).isEqualTo(m);
    }

    @Test
    void tensorsThatBreakTheContractAreNamed() {
        assertThatThrownBy(() -> Manifest.parse(manifest(
                "[ { \"name\": \"tokens\", \"type\": \"float32\", \"shape\": [-1, 5, 4] } ]", PREDICT_OUT), "m.json"))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("m.json")
                .hasMessageContaining("block 0 (block-00.onnx) inputs").hasMessageContaining("[-1, 5, 4]")
                .hasMessageContaining("expected [-1, 5, 3]");
        assertThatThrownBy(() -> Manifest.parse(manifest(
                "[ { \"name\": \"tokens\", \"type\": \"float32\", \"shape\": [1, 5, 3] } ]", PREDICT_OUT), "m.json"))
                .hasMessageContaining("[1, 5, 3]");
        assertThatThrownBy(() -> Manifest.parse(manifest(TOKENS_IN,
                "[ { \"name\": \"tokens_out\", \"type\": \"float32\", \"shape\": [-1, 5, 3] } ]"), "m.json"))
                .hasMessageContaining("'position_logits' is missing");
        assertThatThrownBy(() -> Manifest.parse(manifest("[ { \"name\": \"tokens\", \"type\": \"float32\", "
                + "\"shape\": [-1, 5, 3] }, { \"name\": \"position\", \"type\": \"int64\", \"shape\": [] } ]",
                PREDICT_OUT), "m.json")).hasMessageContaining("unexpected tensor(s) ['position']");
        assertThatThrownBy(() -> Manifest.parse(manifest(TOKENS_IN.replace("float32", "float16"), PREDICT_OUT),
                "m.json")).hasMessageContaining("type 'float16', expected float32");
    }

    @Test
    void malformedFieldsAreNamed() {
        String good = manifest(TOKENS_IN, PREDICT_OUT);
        assertThatThrownBy(() -> Manifest.parse(good.replace("\"version\": 1,\n  \"family\"", "\"version\": 7,\n"
                + "  \"family\""), "m.json")).hasMessageContaining("version 7 is newer");
        assertThatThrownBy(() -> Manifest.parse(good.replaceFirst(SHA, "xyz"), "m.json"))
                .hasMessageContaining("sha256 of 'stem.onnx' must be 64 hex digits");
        assertThatThrownBy(() -> Manifest.parse(good.replace("\"opset\": 17", "\"opset\": \"17\""), "m.json"))
                .hasMessageContaining("'opset' must be an integer");
        assertThatThrownBy(() -> Manifest.parse("[1, 2]", "m.json")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> Manifest.parse("{", "m.json")).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> Manifest.parse(good.replace("\"variant\": \"layershuffle-predict\"",
                "\"variant\": \"shuffled\""), "m.json")).hasMessageContaining("unknown variant 'shuffled'");
        assertThatThrownBy(() -> Manifest.read(tmp.resolve("nowhere"))).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("manifest.json").hasMessageContaining("does not exist");
    }
}
