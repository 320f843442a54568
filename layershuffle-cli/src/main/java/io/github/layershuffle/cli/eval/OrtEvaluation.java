package io.github.layershuffle.cli.eval;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.Prediction;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.eval.EvaluationListener;
import java.nio.FloatBuffer;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Measures an exported model with the ONNX Runtime composed runtime ({@link LayerShuffleModel}: stem, the
 * blocks of each plan, head, tensors handed from session to session) on a dataset, under a policy. Batch
 * {@code b} runs {@code policy.seeded(seed).planForPass(depth, b)}, exactly the plan the DJL
 * {@link io.github.layershuffle.train.eval.Evaluator} draws for a single model with the same batch size and
 * seed, so the two accuracies are comparable image for image.
 *
 * <pre>{@code
 * try (LayerShuffleModel model = LayerShuffleModel.load(Path.of("exports/ls"))) {
 *     OrtEvaluation.Result r = OrtEvaluation.evaluate(model, test, ExecutionPolicy.random(), 0, 500,
 *             EvaluationListener.NONE);
 * }
 * }</pre>
 *
 * @param top1             share of images classified right
 * @param top5             share of images whose label is among the 5 top logits (all classes if fewer)
 * @param positionAccuracy LayerShuffle-predict: share of (image, slot) pairs whose block predicted its slot
 * @param images           images classified
 * @param seconds          wall time
 */
public record OrtEvaluation(double top1, double top5, OptionalDouble positionAccuracy, int images, double seconds) {

    /**
     * One pass over {@code data}.
     *
     * @throws IllegalArgumentException if {@code batchSize < 1}, the images do not fit the model, or the policy
     *                                  cannot plan for its depth
     * @throws io.github.layershuffle.api.LayerShuffleException if ONNX Runtime fails
     */
    public static OrtEvaluation evaluate(LayerShuffleModel model, ImageDataset data, ExecutionPolicy policy, long seed,
                                         int batchSize, EvaluationListener listener) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(listener, "listener");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, was " + batchSize);
        }
        int depth = model.size();
        ExecutionPolicy seeded = policy.seeded(seed);
        int n = data.count();
        int length = data.channels() * data.height() * data.width();
        long right = 0;
        long right5 = 0;
        long slotsRight = 0;
        long slotsTotal = 0;
        long start = System.nanoTime();
        String task = "ORT " + policy + " seed " + seed;
        for (int from = 0, batch = 0; from < n; from += batchSize, batch++) {
            int to = Math.min(n, from + batchSize);
            FloatBuffer pixels = FloatBuffer.allocate((to - from) * length);
            for (int i = from; i < to; i++) {
                pixels.put(data.image(i));
            }
            pixels.flip();
            ExecutionPlan plan = seeded.planForPass(depth, batch);
            Prediction p = model.predict(pixels, new long[] {to - from, data.channels(), data.height(), data.width()},
                    plan);
            int[] predicted = p.predictedClasses();
            float[][] logits = p.logits();
            for (int i = from; i < to; i++) {
                int label = data.label(i);
                if (predicted[i - from] == label) {
                    right++;
                }
                float[] row = logits[i - from];
                int above = 0;
                for (int c = 0; c < row.length; c++) {
                    // ties count against the label, as in the DJL evaluator
                    if (row[c] > row[label] || row[c] == row[label] && c != label) {
                        above++;
                    }
                }
                right5 += above < 5 ? 1 : 0;
            }
            if (p.hasSlotPredictions()) {
                int[][] slots = p.predictedSlots();
                for (int[] row : slots) {
                    for (int s = 0; s < row.length; s++) {
                        slotsRight += row[s] == s ? 1 : 0;
                    }
                    slotsTotal += row.length;
                }
            }
            listener.progress(task, to, n);
        }
        return new OrtEvaluation((double) right / n, (double) right5 / n,
                slotsTotal == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) slotsRight / slotsTotal), n,
                (System.nanoTime() - start) / 1e9);
    }
}
