package io.github.layershuffle.cli;

import io.github.layershuffle.train.training.EpochMetrics;
import io.github.layershuffle.train.training.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;

/** Draws a training run as progress bars: one per epoch's training, one per validation; a line per epoch. */
final class TrainingBars implements ProgressListener {
    private final ProgressBars bars;
    private final PrintWriter err;
    private int epochs;
    private double lossSum;
    private long correct;
    private long seen;

    TrainingBars(ProgressBars bars, PrintWriter err) {
        this.bars = bars;
        this.err = err;
    }

    @Override
    public void onRunStart(RunStart start) {
        epochs = start.epochs();
        err.printf(Locale.ROOT, "training a %s model (%d blocks of width %d, %d classes) on %s, epochs %d to %d, "
                        + "%d steps per epoch%n", start.config().variant(), start.config().depth(),
                start.config().width(), start.config().classes(), start.devices(), start.firstEpoch(), epochs,
                start.batchesPerEpoch());
        err.flush();
    }

    @Override
    public void onBatch(BatchProgress p) {
        if (p.batch() == 1) {
            lossSum = 0;
            correct = 0;
            seen = 0;
        }
        lossSum += p.result().loss();
        correct += p.result().correct();
        seen += p.result().size();
        bars.update("epoch " + p.epoch() + "/" + epochs, p.batch(), p.batches(), String.format(Locale.ROOT,
                "loss %.4f acc %.1f%%", lossSum / p.batch(), 100.0 * correct / Math.max(1, seen)));
    }

    @Override
    public void onValidationBatch(int epoch, int batch, int batches) {
        bars.update("validate " + epoch + "/" + epochs, batch, batches, null);
    }

    @Override
    public void onEpochEnd(EpochMetrics m) {
        bars.finish();
        err.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f, acc %.2f%%; validation loss %.4f, acc %.2f%%%s "
                        + "(%.0f s)%s%n", m.epoch(), epochs, m.trainLoss(), 100 * m.trainAccuracy(),
                m.validationLoss(), 100 * m.validationAccuracy(),
                Double.isNaN(m.validationPositionAccuracy()) ? ""
                        : String.format(Locale.ROOT, ", slot acc %.2f%%", 100 * m.validationPositionAccuracy()),
                m.seconds(), m.best() ? "  [best]" : "");
        err.flush();
    }
}
