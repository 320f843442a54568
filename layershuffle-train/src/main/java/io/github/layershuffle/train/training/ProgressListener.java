package io.github.layershuffle.train.training;

import ai.djl.Device;
import io.github.layershuffle.api.ModelConfig;
import java.util.List;

/**
 * Hears how a {@link TrainingRun} progresses, to draw progress bars or log. Library code never prints;
 * the CLI implements this. Every method has an empty default and is called on the training thread, so it
 * should return quickly.
 *
 * <pre>{@code
 * ProgressListener log = new ProgressListener() {
 *     public void onEpochEnd(EpochMetrics m) {
 *         LOG.info("epoch {}: val loss {}", m.epoch(), m.validationLoss());
 *     }
 * };
 * }</pre>
 */
public interface ProgressListener {

    /** Called once before the first epoch runs (after a resume: before the first epoch still to run). */
    default void onRunStart(RunStart start) {
    }

    /** Called after every training step. */
    default void onBatch(BatchProgress progress) {
    }

    /** Called after every validation batch; {@code batch} counts from 1. */
    default void onValidationBatch(int epoch, int batch, int batches) {
    }

    /** Called after an epoch's checkpoints and metrics line are written. */
    default void onEpochEnd(EpochMetrics metrics) {
    }

    /** Called once the run is over. */
    default void onRunEnd(TrainingResult result) {
    }

    /** A listener that ignores everything. */
    static ProgressListener none() {
        return new ProgressListener() {
        };
    }

    /**
     * What a run is about to do.
     *
     * @param config            the model being trained
     * @param family            its family id
     * @param firstEpoch        the first epoch to run, from 1 (greater than 1 after a resume)
     * @param epochs            the last epoch to run
     * @param batchesPerEpoch   training steps per epoch
     * @param validationBatches validation batches per epoch (0 without validation data)
     * @param devices           the devices training runs on
     */
    record RunStart(ModelConfig config, String family, int firstEpoch, int epochs, int batchesPerEpoch,
                    int validationBatches, List<Device> devices) {
    }

    /**
     * One training step done.
     *
     * @param epoch        the epoch, from 1
     * @param batch        the batch within the epoch, from 1
     * @param batches      batches per epoch
     * @param step         the optimiser step index (0-based, counted over the whole run)
     * @param learningRate the step's learning rate
     * @param result       loss, accuracy and the plan that ran
     */
    record BatchProgress(int epoch, int batch, int batches, long step, float learningRate, BatchResult result) {
    }
}
