package io.github.layershuffle.samples.swarm.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.runtime.Manifest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An export's id reads its manifest as the loader does: bounded, a regular file, never out of the directory. */
class ExportIdTest {
    @TempDir
    Path tmp;

    @Test
    void theIdIsTheHashOfTheManifestsBytes() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("e"));
        byte[] manifest = "{\"format\":\"x\"}".getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve(Manifest.FILE_NAME), manifest);
        assertThat(ExportId.of(dir)).isEqualTo(ExportId.of(manifest)).hasSize(16);
    }

    @Test
    void aManifestLargerThanTheLoaderReadsIsRefusedWithoutReadingIt() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("big"));
        try (RandomAccessFile f = new RandomAccessFile(dir.resolve(Manifest.FILE_NAME).toFile(), "rw")) {
            f.setLength(64L << 30); // sparse: 64 GiB that a readAllBytes would try to allocate
        }
        assertThatThrownBy(() -> ExportId.of(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("larger than " + Manifest.MAX_BYTES);
    }

    @Test
    void aManifestThatLinksOutOfTheDirectoryIsRefusedWithoutNamingItsTarget() throws IOException {
        Path secret = Files.writeString(tmp.resolve("secret.json"), "{}");
        Path dir = Files.createDirectories(tmp.resolve("linked"));
        Files.createSymbolicLink(dir.resolve(Manifest.FILE_NAME), secret);
        assertThatThrownBy(() -> ExportId.of(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("links out of the export directory").hasMessageNotContaining("secret");
    }

    @Test
    void aDirectoryInPlaceOfTheManifestIsRefused() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("d"));
        Files.createDirectories(dir.resolve(Manifest.FILE_NAME));
        assertThatThrownBy(() -> ExportId.of(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("not a regular file");
    }
}
