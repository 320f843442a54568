package io.github.layershuffle.train.training;

import io.github.layershuffle.api.ExecutionPlan;

/**
 * The outcome of one training step or evaluation pass over a batch.
 *
 * @param plan            the plan the batch ran
 * @param size            images in the batch
 * @param loss            the objective: {@code taskLoss + predictLossWeight * positionLoss}
 * @param taskLoss        mean cross-entropy of the class logits
 * @param positionLoss    LayerShuffle-predict: cross-entropy of each slot's position logits against its slot,
 *                        averaged over the batch, then the mean or sum over slots as the config's
 *                        {@code predictLossReduction} says; 0 for other variants
 * @param correct         images whose top class is the label
 * @param positionCorrect LayerShuffle-predict: (slot, image) pairs whose predicted slot is right
 * @param positionTotal   LayerShuffle-predict: slots times images; 0 for other variants
 */
public record BatchResult(ExecutionPlan plan, int size, double loss, double taskLoss, double positionLoss,
                          int correct, int positionCorrect, int positionTotal) {

    /** Fraction of images classified correctly. */
    public double accuracy() {
        return size == 0 ? Double.NaN : (double) correct / size;
    }

    /** Fraction of slot predictions that are right; NaN without position logits. */
    public double positionAccuracy() {
        return positionTotal == 0 ? Double.NaN : (double) positionCorrect / positionTotal;
    }
}
