package io.github.layershuffle.samples.swarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.onnx.signing.ExportKeys;
import io.github.layershuffle.onnx.signing.ExportSignature;
import io.github.layershuffle.samples.swarm.server.BlockServer;
import io.github.layershuffle.samples.swarm.testing.TinySwarm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code swarm server --require-signature}: a server hosts only exports signed by a trusted key. */
class ServerSignatureTest {
    private static final ModelConfig CONFIG = TinySwarm.config(Variant.LAYERSHUFFLE);

    @TempDir
    Path tmp;

    @Test
    void hostsOnlyExportsSignedByATrustedKey() throws Exception {
        KeyPair trusted = ExportKeys.generate();
        Path pub = tmp.resolve("trusted.pub.pem");
        ExportKeys.writePublicKey(trusted.getPublic(), pub);
        Path unsigned = TinySwarm.export(CONFIG, "fam", 4, tmp.resolve("unsigned"));
        Path signed = TinySwarm.export(CONFIG, "fam", 4, tmp.resolve("signed"));
        Files.write(signed.resolve(ExportSignature.FILE_NAME),
                ExportSignature.sign(Files.readAllBytes(signed.resolve("manifest.json")), trusted.getPrivate()));

        var options = ServerCommand.runtimeOptions(1, List.of(pub));
        assertThatThrownBy(() -> TinySwarm.builder(unsigned, "all", 0).optRuntimeOptions(options).start())
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("not signed");
        try (BlockServer s = TinySwarm.builder(signed, "all", 0).optRuntimeOptions(options).start()) {
            assertThat(s.hosted()).hasSize(1);
        }
        // without the option, both are hosted
        try (BlockServer s = TinySwarm.builder(unsigned, "all", 0)
                .optRuntimeOptions(ServerCommand.runtimeOptions(1, List.of())).start()) {
            assertThat(s.hosted()).hasSize(1);
        }
    }
}
