package io.github.layershuffle.cli;

import static io.github.layershuffle.cli.LayerShuffleCliTest.run;
import static io.github.layershuffle.cli.LayerShuffleCliTest.tinyConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.LayerShuffleCliTest.Run;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.onnx.signing.ExportKeys;
import io.github.layershuffle.onnx.signing.ExportSignature;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The signing workflow on the command line: keygen, export --sign, and a host that requires the signature. */
class SignedExportCliTest {
    @TempDir
    Path dir;

    @Test
    void keygenThenSignedExportLoadsOnlyUnderThatKey() throws Exception {
        Run keygen = run("keygen", "--out", dir.resolve("keys").toString());
        assertThat(keygen.code()).as(keygen.err()).isZero();
        Path privateKey = dir.resolve("keys/signing-key.pem");
        Path publicKey = dir.resolve("keys/signing-key.pub.pem");
        PublicKey trusted = ExportKeys.readPublicKey(publicKey);
        assertThat(keygen.out()).contains(ExportKeys.fingerprint(trusted));
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateKey)))
                    .isEqualTo("rw-------");
        }

        Path checkpoint = dir.resolve("a.safetensors");
        ModelCheckpoints.fresh(tinyConfig(Variant.LAYERSHUFFLE), 1).write(checkpoint);
        Path signed = dir.resolve("signed");
        Run export = run("export", checkpoint.toString(), signed.toString(), "--sign", privateKey.toString());
        assertThat(export.code()).as(export.err()).isZero();
        assertThat(export.out()).contains(ExportSignature.FILE_NAME);
        assertThat(signed.resolve(ExportSignature.FILE_NAME)).hasSize(ExportSignature.LENGTH);

        RuntimeOptions host = RuntimeOptions.builder().requireSignature(trusted).build();
        try (LayerShuffleModel model = LayerShuffleModel.load(signed, host)) {
            assertThat(model.size()).isEqualTo(3);
        }
        Path unsigned = dir.resolve("unsigned");
        assertThat(run("export", checkpoint.toString(), unsigned.toString()).code()).isZero();
        assertThatThrownBy(() -> LayerShuffleModel.load(unsigned, host)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("is not signed");

        Run other = run("keygen", "--out", dir.resolve("keys").toString(), "--name", "other");
        assertThat(other.code()).as(other.err()).isZero();
        Path byOther = dir.resolve("by-other");
        assertThat(run("export", checkpoint.toString(), byOther.toString(), "--sign",
                dir.resolve("keys/other.pem").toString()).code()).isZero();
        assertThatThrownBy(() -> LayerShuffleModel.load(byOther, host)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("does not verify");

        // the command line's host side: evaluate --onnx under --require-signature
        Path data = LayerShuffleCliTest.imageTree(dir.resolve("data"), 2);
        Run trustedRun = run("evaluate", "--onnx", signed.toString(), "--require-signature", publicKey.toString(),
                "--data", data.toString(), "--quiet");
        assertThat(trustedRun.code()).as(trustedRun.err()).isZero();
        for (Path refused : new Path[] {unsigned, byOther}) {
            Run r = run("evaluate", "--onnx", refused.toString(), "--require-signature", publicKey.toString(),
                    "--data", data.toString(), "--quiet");
            assertThat(r.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
            assertThat(r.err()).containsAnyOf("is not signed", "does not verify");
        }
    }

    @Test
    void keygenNeverReplacesAKeyAndExportRefusesABadKey() throws Exception {
        Path keys = dir.resolve("keys");
        assertThat(run("keygen", "--out", keys.toString()).code()).isZero();
        String before = Files.readString(keys.resolve("signing-key.pem"));
        Run again = run("keygen", "--out", keys.toString());
        assertThat(again.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(again.err()).contains("already exists");
        assertThat(Files.readString(keys.resolve("signing-key.pem"))).isEqualTo(before);

        Path checkpoint = dir.resolve("a.safetensors");
        ModelCheckpoints.fresh(tinyConfig(Variant.LAYERSHUFFLE), 1).write(checkpoint);
        Path out = dir.resolve("export");
        // the public key is not a signing key: refused before anything is written
        Run bad = run("export", checkpoint.toString(), out.toString(), "--sign",
                keys.resolve("signing-key.pub.pem").toString());
        assertThat(bad.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(bad.err().strip().lines()).hasSize(1);
        assertThat(bad.err()).contains("signing-key.pub.pem").contains("expected 'PRIVATE KEY'");
        assertThat(out).doesNotExist();
    }
}
