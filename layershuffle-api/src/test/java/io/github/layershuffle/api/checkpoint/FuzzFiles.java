package io.github.layershuffle.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Helpers of the fuzz tests: one scratch file per JVM, and the bound on an error message's length. */
public final class FuzzFiles {
    private FuzzFiles() {
    }

    /** A file named {@code name} in a fresh temporary directory, deleted when the JVM exits. */
    public static Path temp(String name) {
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

    /**
     * Fails unless {@code e} has a message no longer than a few kilobytes beyond the input: an error must not
     * amplify what the attacker sent (nor, in a real file, quote megabytes of it).
     */
    public static void checkMessage(RuntimeException e, int inputLength) {
        assertThat(e.getMessage()).isNotBlank();
        assertThat(e.getMessage().length()).as(e.getMessage()).isLessThanOrEqualTo(2 * inputLength + 4096);
    }
}
