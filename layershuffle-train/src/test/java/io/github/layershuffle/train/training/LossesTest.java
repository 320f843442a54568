package io.github.layershuffle.train.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.layershuffle.api.LossReduction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** LayerShuffle-predict's auxiliary loss on an example small enough to work out by hand. */
class LossesTest {
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /**
     * Two slots, two images, two possible slots. With logits {@code [ln 3, 0]} the slot-0 probability is 3/4, so
     * the four (slot, image) cross-entropies against their slots are:
     * <pre>
     * slot 0 (target 0): image 0 [ln 3, 0] -> -ln(3/4) = ln(4/3);  image 1 [0, 0]    -> ln 2
     * slot 1 (target 1): image 0 [0, ln 3] -> ln(4/3);             image 1 [ln 3, 0] -> -ln(1/4) = ln 4
     * </pre>
     * The authors' {@code cross_entropy(cat(logits), cat(targets))} is the mean of the four:
     * {@code (2 ln(4/3) + 3 ln 2) / 4}. The sum over slots of the per-slot means is twice that.
     */
    @Test
    void meanIsTheAuthorsCrossEntropyOverAllSlotsConcatenated() {
        float ln3 = (float) Math.log(3);
        NDArray logits = manager.create(new float[] {ln3, 0, 0, 0, 0, ln3, ln3, 0}, new Shape(2, 2, 2));
        double authors = (2 * Math.log(4.0 / 3) + 3 * Math.log(2)) / 4;
        assertThat(authors).isCloseTo(0.6637014, within(1e-6));

        assertThat((double) Losses.positionLoss(logits, LossReduction.MEAN).getFloat())
                .isCloseTo(authors, within(1e-6));
        assertThat((double) Losses.positionLoss(logits, LossReduction.SUM).getFloat())
                .isCloseTo(2 * authors, within(1e-6));
    }
}
