package io.github.layershuffle.onnx.runtime;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.LayerShuffleException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * What one forward pass of a {@link LayerShuffleModel} produced for a batch of images: the logits, the plan
 * that ran, and for a LayerShuffle-predict model the slot each block believed it ran in. Immutable; accessors
 * return copies.
 *
 * <pre>{@code
 * Prediction p = model.predict(images, ExecutionPolicy.random(7));
 * System.out.println(p.plan() + " -> " + p.topK(0, 3));     // e.g. [2, 0, 1] -> [coat (4): 0.91, ...]
 * }</pre>
 */
public final class Prediction {
    private final float[][] logits;
    private final List<String> labels;
    private final ExecutionPlan plan;
    private final float[][][] positionLogits;

    /**
     * @param logits         {@code [batch][classes]}, finite
     * @param labels         one name per class
     * @param plan           the plan that ran
     * @param positionLogits {@code [slot][batch][depth]} for -predict models, else {@code null}
     */
    Prediction(float[][] logits, List<String> labels, ExecutionPlan plan, float[][][] positionLogits) {
        this.logits = Objects.requireNonNull(logits, "logits");
        this.labels = List.copyOf(labels);
        this.plan = Objects.requireNonNull(plan, "plan");
        this.positionLogits = positionLogits;
        for (int b = 0; b < logits.length; b++) {
            if (logits[b].length != labels.size()) {
                throw new LayerShuffleException("the head returned " + logits[b].length + " logits for image " + b
                        + ", the model has " + labels.size() + " classes");
            }
            for (int k = 0; k < logits[b].length; k++) {
                if (!Float.isFinite(logits[b][k])) {
                    throw new LayerShuffleException("the model produced a non-finite logit (" + logits[b][k]
                            + ") for image " + b + ", class " + k + " under plan " + plan
                            + "; refusing to turn it into a label");
                }
            }
        }
    }

    /**
     * The predictions of consecutive parts of one batch, all under one plan, as one prediction of the whole batch
     * in image order.
     */
    static Prediction join(List<Prediction> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        Prediction first = parts.get(0);
        List<float[]> rows = new ArrayList<>();
        List<List<float[]>> slots = new ArrayList<>();
        int slotCount = first.positionLogits == null ? 0 : first.positionLogits.length;
        for (int s = 0; s < slotCount; s++) {
            slots.add(new ArrayList<>());
        }
        for (Prediction p : parts) {
            if (!p.plan.equals(first.plan) || (p.positionLogits == null) != (first.positionLogits == null)) {
                throw new IllegalArgumentException("parts of one batch must share the plan and the kind of output");
            }
            rows.addAll(Arrays.asList(p.logits));
            for (int s = 0; s < slotCount; s++) {
                slots.get(s).addAll(Arrays.asList(p.positionLogits[s]));
            }
        }
        float[][][] position = first.positionLogits == null ? null : new float[slotCount][][];
        for (int s = 0; s < slotCount; s++) {
            position[s] = slots.get(s).toArray(float[][]::new);
        }
        return new Prediction(rows.toArray(float[][]::new), first.labels, first.plan, position);
    }

    /** Number of images. */
    public int batchSize() {
        return logits.length;
    }

    /** Number of classes. */
    public int classes() {
        return labels.size();
    }

    /** The plan that ran: the block indices in slot order. */
    public ExecutionPlan plan() {
        return plan;
    }

    /** The class names, one per class. */
    public List<String> labels() {
        return labels;
    }

    /** The logits {@code [batch][classes]}, a fresh copy. */
    public float[][] logits() {
        float[][] copy = new float[logits.length][];
        Arrays.setAll(copy, b -> logits[b].clone());
        return copy;
    }

    /**
     * The logits of one image.
     *
     * @throws IndexOutOfBoundsException if {@code image} is not in {@code [0, batchSize())}
     */
    public float[] logits(int image) {
        return logits[Objects.checkIndex(image, logits.length)].clone();
    }

    /** Softmax of the logits {@code [batch][classes]}. */
    public float[][] probabilities() {
        float[][] p = new float[logits.length][];
        Arrays.setAll(p, b -> softmax(logits[b]));
        return p;
    }

    /**
     * Softmax of the logits of one image.
     *
     * @throws IndexOutOfBoundsException if {@code image} is not in {@code [0, batchSize())}
     */
    public float[] probabilities(int image) {
        return softmax(logits[Objects.checkIndex(image, logits.length)]);
    }

    /** The most likely class of each image (the lowest index on a tie). */
    public int[] predictedClasses() {
        int[] classes = new int[logits.length];
        Arrays.setAll(classes, b -> argmax(logits[b]));
        return classes;
    }

    /** The label of the most likely class of each image. */
    public List<String> predictedLabels() {
        return Arrays.stream(predictedClasses()).mapToObj(labels::get).toList();
    }

    /**
     * The {@code k} most likely classes of one image, most likely first.
     *
     * @throws IndexOutOfBoundsException if {@code image} is not in {@code [0, batchSize())}
     * @throws IllegalArgumentException  if {@code k} is not in {@code [1, classes()]}
     */
    public List<Classification> topK(int image, int k) {
        Objects.checkIndex(image, logits.length);
        if (k < 1 || k > labels.size()) {
            throw new IllegalArgumentException("k must be in [1, " + labels.size() + "] (the number of classes), was "
                    + k);
        }
        float[] p = softmax(logits[image]);
        List<Classification> all = new ArrayList<>(p.length);
        for (int c = 0; c < p.length; c++) {
            all.add(new Classification(c, labels.get(c), p[c], logits[image][c]));
        }
        all.sort(Comparator.comparingDouble((Classification c) -> -c.logit()).thenComparingInt(Classification::index));
        return List.copyOf(all.subList(0, k));
    }

    /**
     * The {@code k} most likely classes of every image.
     *
     * @throws IllegalArgumentException if {@code k} is not in {@code [1, classes()]}
     */
    public List<List<Classification>> topK(int k) {
        List<List<Classification>> all = new ArrayList<>(logits.length);
        for (int b = 0; b < logits.length; b++) {
            all.add(topK(b, k));
        }
        return List.copyOf(all);
    }

    /** Whether this prediction holds slot predictions (the model is LayerShuffle-predict). */
    public boolean hasSlotPredictions() {
        return positionLogits != null;
    }

    /**
     * The position logits of every block, {@code [slot][batch][depth]}: what the block that ran in {@code slot}
     * (block {@code plan().block(slot)}) predicted about the slot it ran in.
     *
     * @throws IllegalStateException if the model is not LayerShuffle-predict
     */
    public float[][][] positionLogits() {
        requireSlots();
        float[][][] copy = new float[positionLogits.length][][];
        for (int s = 0; s < copy.length; s++) {
            float[][] m = positionLogits[s];
            copy[s] = new float[m.length][];
            Arrays.setAll(copy[s], b -> m[b].clone());
        }
        return copy;
    }

    /**
     * The slot each block predicted it ran in, {@code [batch][slot]}; the truth for entry {@code [b][s]} is
     * {@code s}.
     *
     * @throws IllegalStateException if the model is not LayerShuffle-predict
     */
    public int[][] predictedSlots() {
        requireSlots();
        int[][] slots = new int[logits.length][positionLogits.length];
        for (int s = 0; s < positionLogits.length; s++) {
            for (int b = 0; b < logits.length; b++) {
                slots[b][s] = argmax(positionLogits[s][b]);
            }
        }
        return slots;
    }

    /**
     * The fraction of (image, slot) pairs whose block predicted the slot it ran in.
     *
     * @throws IllegalStateException if the model is not LayerShuffle-predict
     */
    public double slotAccuracy() {
        int[][] slots = predictedSlots();
        long right = 0;
        for (int[] row : slots) {
            for (int s = 0; s < row.length; s++) {
                right += row[s] == s ? 1 : 0;
            }
        }
        return (double) right / ((long) slots.length * plan.size());
    }

    private void requireSlots() {
        if (positionLogits == null) {
            throw new IllegalStateException("no slot predictions: only layershuffle-predict models predict the slot "
                    + "their blocks run in");
        }
    }

    static float[] softmax(float[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            e[i] = Math.exp(z[i] - max);
            sum += e[i];
        }
        float[] p = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = (float) (e[i] / sum);
        }
        return p;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "Prediction[batch=" + logits.length + ", classes=" + labels.size() + ", plan=" + plan
                + ", predicted=" + predictedLabels() + "]";
    }
}
