package io.github.layershuffle.train.eval;

import io.github.layershuffle.api.ExecutionPlan;
import java.util.Arrays;
import java.util.OptionalDouble;

/** Accumulates the counts of one evaluation pass from logits copied to Java arrays. */
final class Tally {
    private final int classes;
    private final int k;
    private long images;
    private long top1;
    private long topK;
    private double loss;
    private final long[] blockRuns;
    private final long[] blockHits;

    /** {@code depth} 0: no position predictions. */
    Tally(int classes, int k, int depth) {
        this.classes = classes;
        this.k = k;
        this.blockRuns = new long[depth];
        this.blockHits = new long[depth];
    }

    /** Logits {@code [B, classes]} row-major against labels {@code [B]}. */
    void logits(float[] logits, long[] labels) {
        for (int i = 0; i < labels.length; i++) {
            int off = i * classes;
            int label = (int) labels[i];
            float target = logits[off + label];
            int above = 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                float v = logits[off + c];
                // ties count against the label, so a constant output never scores
                if (v > target || v == target && c != label) {
                    above++;
                }
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int c = 0; c < classes; c++) {
                sum += Math.exp(logits[off + c] - max);
            }
            loss += Math.log(sum) + max - target;
            if (above == 0) {
                top1++;
            }
            if (above < k) {
                topK++;
            }
        }
        images += labels.length;
    }

    /** Position logits {@code [slots, B, depth]} of one pass of {@code plan}: slot s's target is s. */
    void positions(float[] logits, ExecutionPlan plan, int batch) {
        int depth = blockRuns.length;
        for (int s = 0; s < plan.size(); s++) {
            int block = plan.block(s);
            for (int i = 0; i < batch; i++) {
                int off = (s * batch + i) * depth;
                int best = 0;
                for (int c = 1; c < depth; c++) {
                    if (logits[off + c] > logits[off + best]) {
                        best = c;
                    }
                }
                blockRuns[block]++;
                if (best == s) {
                    blockHits[block]++;
                }
            }
        }
    }

    Evaluation result(String model, String data, String policy, long seed, ExecutionPlan firstPlan,
                      double seconds) {
        OptionalDouble position = OptionalDouble.empty();
        double[] perBlock = new double[0];
        if (blockRuns.length > 0) {
            long runs = Arrays.stream(blockRuns).sum();
            long hits = Arrays.stream(blockHits).sum();
            position = runs == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) hits / runs);
            perBlock = new double[blockRuns.length];
            for (int b = 0; b < perBlock.length; b++) {
                perBlock[b] = blockRuns[b] == 0 ? Double.NaN : (double) blockHits[b] / blockRuns[b];
            }
        }
        return new Evaluation(model, data, policy, seed, images, (double) top1 / images, (double) topK / images, k,
                loss / images, position, perBlock, firstPlan, seconds);
    }
}
