package io.github.layershuffle.train.eval;

import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import java.util.Map;
import java.util.Objects;

/**
 * How far fine-tuned models moved from their base and from each other: the relative L2 distance of each
 * block's weights from the base's block ({@code ||theta_i - base_i|| / ||base_i||} over all of block
 * {@code i}'s tensors), and the rate at which two models disagree on the predicted class. Small distances and
 * rare disagreement explain why merges of briefly fine-tuned models of one base do not collapse.
 *
 * <pre>{@code
 * double[] moved = ModelDivergence.blockDistances(Checkpoint.read(tuned), Checkpoint.read(base));
 * double disagree = ModelDivergence.disagreement(predictionsOfA, predictionsOfB);
 * }</pre>
 */
public final class ModelDivergence {
    private ModelDivergence() {
    }

    /**
     * Per block index, the relative L2 distance of {@code model}'s block from {@code base}'s block of the same
     * index: tensors of both named {@code blocks.<i>.*}; a tensor the base lacks (e.g. a variant's slot
     * predictor) is left out.
     *
     * @throws IllegalArgumentException if the depths differ, a shared tensor differs in shape, or a base block
     *                                  is all zeros
     */
    public static double[] blockDistances(Checkpoint model, Checkpoint base) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(base, "base");
        int depth = model.config().depth();
        if (base.config().depth() != depth) {
            throw new IllegalArgumentException("the model has " + depth + " blocks, the base "
                    + base.config().depth());
        }
        double[] out = new double[depth];
        for (int b = 0; b < depth; b++) {
            String prefix = VitLayout.block(b);
            double diff = 0;
            double norm = 0;
            for (Map.Entry<String, Tensor> e : model.tensors().entrySet()) {
                if (!e.getKey().startsWith(prefix) || !base.tensors().containsKey(e.getKey())) {
                    continue;
                }
                Tensor t = e.getValue();
                Tensor r = base.tensors().get(e.getKey());
                if (!t.hasShape(r.shape())) {
                    throw new IllegalArgumentException("tensor " + e.getKey() + " has shape "
                            + java.util.Arrays.toString(t.shape()) + ", in the base "
                            + java.util.Arrays.toString(r.shape()));
                }
                float[] x = t.data();
                float[] y = r.data();
                for (int i = 0; i < x.length; i++) {
                    double d = (double) x[i] - y[i];
                    diff += d * d;
                    norm += (double) y[i] * y[i];
                }
            }
            if (norm == 0) {
                throw new IllegalArgumentException("block " + b + " of the base has no non-zero weight to compare with");
            }
            out[b] = Math.sqrt(diff / norm);
        }
        return out;
    }

    /**
     * The share of images on which two models predict different classes.
     *
     * @throws IllegalArgumentException if the arrays are empty or of different lengths
     */
    public static double disagreement(int[] a, int[] b) {
        if (a.length != b.length || a.length == 0) {
            throw new IllegalArgumentException("predictions of " + a.length + " and " + b.length
                    + " images; need the same, non-zero number");
        }
        int differ = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i]) {
                differ++;
            }
        }
        return (double) differ / a.length;
    }
}
