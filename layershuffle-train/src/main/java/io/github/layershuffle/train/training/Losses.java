package io.github.layershuffle.train.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.github.layershuffle.api.LossReduction;

/** The training objective's parts, computed on the activations' manager and device. */
final class Losses {
    private Losses() {
    }

    /** Mean cross-entropy of {@code logits [B, K]} against integer {@code labels [B]}. */
    static NDArray crossEntropy(NDArray logits, NDArray labels) {
        int classes = (int) logits.getShape().get(1);
        NDArray oneHot = labels.oneHot(classes).toType(logits.getDataType(), false);
        return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).neg().mean();
    }

    /**
     * LayerShuffle-predict's auxiliary loss: for {@code positionLogits [S, B, L]}, the cross-entropy of slot
     * {@code s}'s logits against target {@code s}, averaged over the batch, then reduced over the slots.
     * {@link LossReduction#MEAN} is the authors' {@code cross_entropy(cat(logits), cat(targets))}: every slot
     * has B images, so the mean over all S x B pairs is the mean over slots of the per-slot means.
     * {@link LossReduction#SUM} is S times that.
     */
    static NDArray positionLoss(NDArray positionLogits, LossReduction reduction) {
        long slots = positionLogits.getShape().get(0);
        int depth = (int) positionLogits.getShape().get(2);
        NDArray targets = slotTargets(positionLogits, slots).oneHot(depth)
                .toType(positionLogits.getDataType(), false).expandDims(1);
        NDArray perSlot = positionLogits.logSoftmax(2).mul(targets).sum(new int[] {2}).neg().mean(new int[] {1});
        return switch (reduction) {
            case MEAN -> perSlot.mean();
            case SUM -> perSlot.sum();
        };
    }

    /** Number of (slot, image) pairs whose arg-max slot is the slot they ran in. */
    static int positionCorrect(NDArray positionLogits) {
        long slots = positionLogits.getShape().get(0);
        NDArray targets = slotTargets(positionLogits, slots).expandDims(1);
        return (int) positionLogits.argMax(2).eq(targets).sum().toType(DataType.INT64, false).getLong();
    }

    /** Number of images whose arg-max class is their label. */
    static int correct(NDArray logits, NDArray labels) {
        return (int) logits.argMax(1).eq(labels).sum().toType(DataType.INT64, false).getLong();
    }

    private static NDArray slotTargets(NDArray like, long slots) {
        return like.getManager().arange(0L, slots, 1L, DataType.INT64).toDevice(like.getDevice(), false);
    }
}
