package io.github.layershuffle.onnx.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.onnx.signing.ExportKeys;
import io.github.layershuffle.onnx.signing.ExportSignature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link OnnxExporter.Builder#optSigningKey}: the exporter signs the manifest it writes, inside the staged export. */
class OnnxExporterSigningTest {
    @TempDir
    Path tmp;

    @Test
    void aSignedExportCarriesTheSignatureOfItsManifestAndLoadsUnderItsKey() throws Exception {
        KeyPair key = ExportKeys.generate();
        Checkpoint ckpt = TinyModels.checkpoint(TinyModels.config(Variant.LAYERSHUFFLE, 1), 4);
        Path dir = OnnxExporter.builder().optSigningKey(key.getPrivate()).build().export(ckpt, tmp.resolve("signed"));
        byte[] manifest = Files.readAllBytes(dir.resolve("manifest.json"));
        byte[] signature = Files.readAllBytes(dir.resolve(ExportSignature.FILE_NAME));
        assertThat(signature).hasSize(ExportSignature.LENGTH);
        assertThat(ExportSignature.signer(manifest, signature, List.of(key.getPublic()))).contains(key.getPublic());
        try (LayerShuffleModel model = LayerShuffleModel.load(dir,
                RuntimeOptions.builder().requireSignature(key.getPublic()).build())) {
            assertThat(model.size()).isEqualTo(3);
        }
        try (var files = Files.list(tmp)) {
            assertThat(files).containsExactly(dir); // no staging directory left behind
        }

        // overwriting with an unsigned export leaves no stale signature
        Path again = OnnxExporter.builder().optOverwrite(true).build().export(ckpt, dir);
        assertThat(again.resolve(ExportSignature.FILE_NAME)).doesNotExist();
        assertThatThrownBy(() -> LayerShuffleModel.load(again,
                RuntimeOptions.builder().requireSignature(key.getPublic()).build()))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("is not signed");
    }

    @Test
    void onlyEd25519KeysSign() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        assertThatThrownBy(() -> OnnxExporter.builder().optSigningKey(rsa.generateKeyPair().getPrivate()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Ed25519");
    }
}
