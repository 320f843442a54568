package io.github.layershuffle.cli.experiment;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A multinomial logistic regression (softmax classifier) in plain Java: how well a linear read-out recovers a
 * label from feature vectors. The experiment uses it to ask whether a block's output reveals the slot the
 * block ran in (the paper's Figure 4, as a number).
 *
 * <p>Features are standardised with the training part's mean and standard deviation; the weights minimise
 * the mean cross-entropy plus {@code l2 / 2 * |W|^2} by full-batch Adam for a fixed number of iterations, from
 * zero, so a fit is deterministic.
 *
 * <pre>{@code
 * LinearProbe.Result r = LinearProbe.holdOut(features, slots, 12, 0);   // train on half, test on the rest
 * r.accuracy();   // e.g. 0.93
 * r.chance();     // share of the most common label in the test half, e.g. 0.09
 * }</pre>
 */
public final class LinearProbe {
    private static final int ITERATIONS = 300;
    private static final double LEARNING_RATE = 0.05;
    private static final double L2 = 1e-4;

    private final double[] mean;
    private final double[] scale;
    private final double[][] weights;
    private final double[] bias;

    private LinearProbe(double[] mean, double[] scale, double[][] weights, double[] bias) {
        this.mean = mean;
        this.scale = scale;
        this.weights = weights;
        this.bias = bias;
    }

    /**
     * Accuracy on held-out data.
     *
     * @param accuracy  share of the test samples classified right
     * @param chance    share of the most common label among the test samples (what a constant guess gets)
     * @param trainSize samples fitted on
     * @param testSize  samples measured on
     */
    public record Result(double accuracy, double chance, int trainSize, int testSize) {
    }

    /**
     * Fits a probe on a random half of the samples (drawn with {@code seed}) and measures it on the other half.
     *
     * @throws IllegalArgumentException as {@link #fit}, or if there are fewer than 2 samples
     */
    public static Result holdOut(double[][] features, int[] labels, int classes, long seed) {
        check(features, labels, classes);
        if (features.length < 2) {
            throw new IllegalArgumentException("a hold-out probe needs at least 2 samples, got " + features.length);
        }
        int n = features.length;
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int half = n / 2;
        double[][] trainX = new double[half][];
        int[] trainY = new int[half];
        double[][] testX = new double[n - half][];
        int[] testY = new int[n - half];
        for (int i = 0; i < n; i++) {
            if (i < half) {
                trainX[i] = features[order[i]];
                trainY[i] = labels[order[i]];
            } else {
                testX[i - half] = features[order[i]];
                testY[i - half] = labels[order[i]];
            }
        }
        LinearProbe probe = fit(trainX, trainY, classes);
        int[] counts = new int[classes];
        for (int y : testY) {
            counts[y]++;
        }
        double chance = (double) Arrays.stream(counts).max().orElse(0) / testY.length;
        return new Result(probe.accuracy(testX, testY), chance, half, n - half);
    }

    /**
     * Fits a probe on all these samples.
     *
     * @param features one row per sample, all of one length
     * @param labels   each sample's class in {@code [0, classes)}
     * @throws IllegalArgumentException if the arrays are empty or of different lengths, the rows differ in
     *                                  length, a value is not finite, or a label is out of range
     */
    public static LinearProbe fit(double[][] features, int[] labels, int classes) {
        check(features, labels, classes);
        int n = features.length;
        int d = features[0].length;
        double[] mean = new double[d];
        double[] scale = new double[d];
        for (double[] row : features) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j] / n;
            }
        }
        for (double[] row : features) {
            for (int j = 0; j < d; j++) {
                scale[j] += (row[j] - mean[j]) * (row[j] - mean[j]) / n;
            }
        }
        for (int j = 0; j < d; j++) {
            scale[j] = scale[j] > 1e-12 ? 1 / Math.sqrt(scale[j]) : 0;
        }
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = (features[i][j] - mean[j]) * scale[j];
            }
        }
        double[][] w = new double[classes][d + 1];
        double[][] m = new double[classes][d + 1];
        double[][] v = new double[classes][d + 1];
        double[][] grad = new double[classes][d + 1];
        double[] p = new double[classes];
        for (int it = 1; it <= ITERATIONS; it++) {
            for (double[] g : grad) {
                Arrays.fill(g, 0);
            }
            for (int i = 0; i < n; i++) {
                softmax(w, x[i], p);
                p[labels[i]] -= 1;
                for (int c = 0; c < classes; c++) {
                    double e = p[c] / n;
                    double[] gc = grad[c];
                    for (int j = 0; j < d; j++) {
                        gc[j] += e * x[i][j];
                    }
                    gc[d] += e;
                }
            }
            double c1 = 1 - Math.pow(0.9, it);
            double c2 = 1 - Math.pow(0.999, it);
            for (int c = 0; c < classes; c++) {
                for (int j = 0; j <= d; j++) {
                    double g = grad[c][j] + (j < d ? L2 * w[c][j] : 0);
                    m[c][j] = 0.9 * m[c][j] + 0.1 * g;
                    v[c][j] = 0.999 * v[c][j] + 0.001 * g * g;
                    w[c][j] -= LEARNING_RATE * (m[c][j] / c1) / (Math.sqrt(v[c][j] / c2) + 1e-8);
                }
            }
        }
        double[][] weights = new double[classes][];
        double[] bias = new double[classes];
        for (int c = 0; c < classes; c++) {
            weights[c] = Arrays.copyOf(w[c], d);
            bias[c] = w[c][d];
        }
        return new LinearProbe(mean, scale, weights, bias);
    }

    private static void softmax(double[][] w, double[] x, double[] out) {
        int d = x.length;
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < w.length; c++) {
            double s = w[c][d];
            for (int j = 0; j < d; j++) {
                s += w[c][j] * x[j];
            }
            out[c] = s;
            max = Math.max(max, s);
        }
        double sum = 0;
        for (int c = 0; c < w.length; c++) {
            out[c] = Math.exp(out[c] - max);
            sum += out[c];
        }
        for (int c = 0; c < w.length; c++) {
            out[c] /= sum;
        }
    }

    /**
     * The most likely class of one sample.
     *
     * @throws IllegalArgumentException if the sample has another length than the training rows
     */
    public int predict(double[] features) {
        Objects.requireNonNull(features, "features");
        if (features.length != mean.length) {
            throw new IllegalArgumentException("sample has " + features.length + " features, the probe was fitted on "
                    + mean.length);
        }
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < weights.length; c++) {
            double s = bias[c];
            for (int j = 0; j < mean.length; j++) {
                s += weights[c][j] * (features[j] - mean[j]) * scale[j];
            }
            if (s > bestScore) {
                bestScore = s;
                best = c;
            }
        }
        return best;
    }

    /**
     * The share of samples whose predicted class is their label.
     *
     * @throws IllegalArgumentException as {@link #predict}, or if the arrays differ in length or are empty
     */
    public double accuracy(double[][] features, int[] labels) {
        if (features.length != labels.length || features.length == 0) {
            throw new IllegalArgumentException("need as many labels as samples, at least one; got " + features.length
                    + " samples and " + labels.length + " labels");
        }
        int right = 0;
        for (int i = 0; i < features.length; i++) {
            if (predict(features[i]) == labels[i]) {
                right++;
            }
        }
        return (double) right / features.length;
    }

    private static void check(double[][] features, int[] labels, int classes) {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(labels, "labels");
        if (classes < 2) {
            throw new IllegalArgumentException("a probe needs at least 2 classes, got " + classes);
        }
        if (features.length == 0 || features.length != labels.length) {
            throw new IllegalArgumentException("need as many labels as samples, at least one; got " + features.length
                    + " samples and " + labels.length + " labels");
        }
        int d = features[0].length;
        for (int i = 0; i < features.length; i++) {
            if (features[i].length != d) {
                throw new IllegalArgumentException("sample " + i + " has " + features[i].length
                        + " features, sample 0 has " + d);
            }
            for (double value : features[i]) {
                if (!Double.isFinite(value)) {
                    throw new IllegalArgumentException("sample " + i + " holds the non-finite value " + value);
                }
            }
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " of sample " + i + " is out of [0, "
                        + classes + ")");
            }
        }
    }
}
