package io.github.layershuffle.cli.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The -predict learning curve read back from a trainer's metrics.jsonl, for units recorded without it. */
class ResultFilesTest {

    @Test
    void readsTheSlotAccuracyOfEveryEpochOrNothing(@TempDir Path dir) throws IOException {
        Path metrics = dir.resolve("metrics.jsonl");
        Files.writeString(metrics, "{\"epoch\":1,\"val_position_accuracy\":0.1744}\n"
                + "{\"epoch\":2,\"val_position_accuracy\":0.2105}\n\n");
        assertThat(ResultFiles.positionCurve(metrics)).containsExactly(0.1744, 0.2105);

        Files.writeString(metrics, "{\"epoch\":1,\"val_position_accuracy\":null}\n");
        assertThat(ResultFiles.positionCurve(metrics)).as("a variant without slots").isEmpty();
        Files.writeString(metrics, "{\"epoch\":1,\"val_position_accuracy\":0.1}\n{torn");
        assertThat(ResultFiles.positionCurve(metrics)).as("a torn line").isEmpty();
        assertThat(ResultFiles.positionCurve(dir.resolve("missing.jsonl"))).isEmpty();

        Path big = dir.resolve("big.jsonl");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {'\n'}), ResultFiles.MAX_METRICS_BYTES);
        }
        assertThat(ResultFiles.positionCurve(big)).as("over the size bound, not read").isEmpty();
    }
}
