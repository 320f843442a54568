package io.github.layershuffle.cli.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.training.EpochMetrics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The -predict learning curve read back from a trainer's metrics.jsonl, for units recorded without it. */
class ResultFilesTest {

    private static String epoch(int n, double positionAccuracy) {
        return new EpochMetrics(n, 430L * n, 0.5, 0.8, 0.4, 0.85, positionAccuracy, 1e-4, 30, n == 1).toJson() + "\n";
    }

    @Test
    void readsTheSlotAccuracyOfEveryEpochTheTrainerWrote(@TempDir Path dir) throws IOException {
        Path metrics = dir.resolve("metrics.jsonl");
        Files.writeString(metrics, epoch(1, 0.1744) + epoch(2, 0.2105) + "\n");
        assertThat(ResultFiles.positionCurve(metrics)).containsExactly(0.1744, 0.2105);

        Files.writeString(metrics, epoch(1, Double.NaN));
        assertThat(ResultFiles.positionCurve(metrics)).as("a variant without slots").isEmpty();
        assertThat(ResultFiles.positionCurve(dir.resolve("missing.jsonl"))).isEmpty();
    }

    @Test
    void aTornLineOrAnOversizedFileIsNamedWithTheLimit(@TempDir Path dir) throws IOException {
        Path metrics = dir.resolve("metrics.jsonl");
        Files.writeString(metrics, epoch(1, 0.1) + "{torn");
        assertThatThrownBy(() -> ResultFiles.positionCurve(metrics)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(metrics + " line 2").hasMessageContaining("{torn");

        Path big = dir.resolve("big.jsonl");
        try (FileChannel ch = FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'\n'}), ResultFiles.MAX_METRICS_BYTES);
        }
        assertThatThrownBy(() -> ResultFiles.positionCurve(big)).as("over the size bound, not read")
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining(big.toString())
                .hasMessageContaining(String.valueOf(ResultFiles.MAX_METRICS_BYTES));
    }

    @Test
    void aRunNameGivesItsMethod() {
        assertThat(ExperimentResult.methodOf("layershuffle-position-s12")).isEqualTo(Variant.LAYERSHUFFLE_POSITION);
        assertThat(ExperimentResult.methodOf("layershuffle-predict")).isEqualTo(Variant.LAYERSHUFFLE_PREDICT);
        assertThat(ExperimentResult.methodOf("baseline-s1")).isEqualTo(Variant.BASELINE);
    }
}
