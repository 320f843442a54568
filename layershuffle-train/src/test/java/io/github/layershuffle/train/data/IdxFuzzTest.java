package io.github.layershuffle.train.data;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.layershuffle.api.LayerShuffleException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

/**
 * Fuzzes the IDX readers: the only throwable they may raise is {@link LayerShuffleException}, with a message of
 * bounded length, and what they return matches its header. {@code mvn verify} fuzzes it (see CONTRIBUTING.md);
 * {@code mvn test} replays the seeds in {@code IdxFuzzTestInputs/header}.
 *
 * <p>Input layout: byte 0 picks the mode (bit 0: gzip the rest; bit 1: read as labels, else as images), the rest
 * is the file.
 */
class IdxFuzzTest {
    private static final Path FILE = temp();

    @FuzzTest
    void header(byte[] input) throws IOException {
        int mode = input.length == 0 ? 0 : input[0];
        byte[] body = input.length == 0 ? input : Arrays.copyOfRange(input, 1, input.length);
        Files.write(FILE, (mode & 1) == 1 ? gzip(body) : body);
        try {
            if ((mode & 2) == 2) {
                for (int label : Idx.readLabels(FILE, 10)) {
                    assertThat(label).isBetween(0, 9);
                }
            } else {
                Idx.Images images = Idx.readImages(FILE);
                assertThat((long) images.pixels().length)
                        .isEqualTo((long) images.count() * images.rows() * images.cols());
            }
        } catch (LayerShuffleException e) {
            assertThat(e.getMessage().length()).as(e.getMessage()).isLessThanOrEqualTo(2 * input.length + 4096);
        }
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private static Path temp() {
        try {
            Path dir = Files.createTempDirectory("layershuffle-fuzz");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("fuzz-idx3-ubyte");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
