package io.github.layershuffle.train.training;

import java.nio.file.Path;
import java.util.List;

/**
 * What a {@link TrainingRun} left behind.
 *
 * @param directory the output directory
 * @param best      {@code best.safetensors}: the epoch with the lowest validation loss
 * @param last      {@code last.safetensors}: the final epoch
 * @param bestEpoch the best epoch, from 1
 * @param bestLoss  its validation loss (training loss without validation data)
 * @param family    the family id of the trained model
 * @param history   every epoch's metrics, including those before a resume
 */
public record TrainingResult(Path directory, Path best, Path last, int bestEpoch, double bestLoss, String family,
                             List<EpochMetrics> history) {

    /** Copies the history. */
    public TrainingResult {
        history = List.copyOf(history);
    }
}
