package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Helpers of this module's fuzz tests. */
final class FuzzBounds {
    private FuzzBounds() {
    }

    /** Fails unless the message is no longer than a few kilobytes beyond the input that caused it. */
    static void checkMessage(RuntimeException e, int inputLength) {
        assertThat(e.getMessage()).isNotBlank();
        assertThat(e.getMessage().length()).as(e.getMessage()).isLessThanOrEqualTo(2 * inputLength + 4096);
    }

    /** {@code name} in a fresh temporary directory, deleted when the JVM exits. */
    static Path temp(String name) {
        try {
            Path dir = Files.createTempDirectory("layershuffle-fuzz");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve(name);
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
