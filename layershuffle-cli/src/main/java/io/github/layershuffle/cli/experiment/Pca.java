package io.github.layershuffle.cli.experiment;

import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Projects feature vectors onto their first two principal components (power iteration with deflation on
 * the covariance matrix), for the 2-D plot of block outputs coloured by slot.
 *
 * <pre>{@code
 * double[][] xy = Pca.project2d(features);   // [n][2]
 * }</pre>
 */
public final class Pca {
    private static final int ITERATIONS = 200;

    private Pca() {
    }

    /**
     * The coordinates of each row on the first two principal components of the centred rows.
     *
     * @throws IllegalArgumentException if there are no rows or they differ in length
     */
    public static double[][] project2d(double[][] rows) {
        Objects.requireNonNull(rows, "rows");
        if (rows.length == 0) {
            throw new IllegalArgumentException("PCA needs at least one row");
        }
        int n = rows.length;
        int d = rows[0].length;
        double[] mean = new double[d];
        for (double[] r : rows) {
            if (r.length != d) {
                throw new IllegalArgumentException("rows differ in length: " + r.length + " and " + d);
            }
            for (int j = 0; j < d; j++) {
                mean[j] += r[j] / n;
            }
        }
        double[][] cov = new double[d][d];
        for (double[] r : rows) {
            for (int a = 0; a < d; a++) {
                double da = r[a] - mean[a];
                for (int b = a; b < d; b++) {
                    cov[a][b] += da * (r[b] - mean[b]) / n;
                }
            }
        }
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < a; b++) {
                cov[a][b] = cov[b][a];
            }
        }
        double[] first = topEigenvector(cov, new SplittableRandom(1));
        double lambda = rayleigh(cov, first);
        for (int a = 0; a < d; a++) {
            for (int b = 0; b < d; b++) {
                cov[a][b] -= lambda * first[a] * first[b];
            }
        }
        double[] second = topEigenvector(cov, new SplittableRandom(2));
        double[][] out = new double[n][2];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double c = rows[i][j] - mean[j];
                out[i][0] += c * first[j];
                out[i][1] += c * second[j];
            }
        }
        return out;
    }

    private static double[] topEigenvector(double[][] m, SplittableRandom random) {
        int d = m.length;
        double[] v = new double[d];
        for (int j = 0; j < d; j++) {
            v[j] = random.nextDouble() - 0.5;
        }
        normalize(v);
        for (int it = 0; it < ITERATIONS; it++) {
            double[] next = new double[d];
            for (int a = 0; a < d; a++) {
                double s = 0;
                for (int b = 0; b < d; b++) {
                    s += m[a][b] * v[b];
                }
                next[a] = s;
            }
            if (normalize(next) == 0) {
                return v;
            }
            v = next;
        }
        return v;
    }

    private static double rayleigh(double[][] m, double[] v) {
        double s = 0;
        for (int a = 0; a < m.length; a++) {
            for (int b = 0; b < m.length; b++) {
                s += v[a] * m[a][b] * v[b];
            }
        }
        return s;
    }

    private static double normalize(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int j = 0; j < v.length; j++) {
                v[j] /= norm;
            }
        }
        return norm;
    }
}
