package io.github.layershuffle.cli.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LinearProbeTest {
    private static final int CLASSES = 4;
    private static final int DIM = 6;

    /** Gaussian blobs: class c is centred at 3 * e_c (unit noise), so a linear read-out separates them. */
    private static double[][] blobs(int[] labels, SplittableRandom random, boolean informative) {
        double[][] x = new double[labels.length][DIM];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = random.nextInt(CLASSES);
            for (int j = 0; j < DIM; j++) {
                x[i][j] = gaussian(random) + (informative && j == labels[i] ? 3 : 0);
            }
        }
        return x;
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Test
    void separableDataIsReadAlmostPerfectly() {
        int[] labels = new int[800];
        double[][] x = blobs(labels, new SplittableRandom(1), true);
        LinearProbe.Result r = LinearProbe.holdOut(x, labels, CLASSES, 0);
        assertThat(r.accuracy()).isGreaterThan(0.9);
        assertThat(r.trainSize()).isEqualTo(400);
        assertThat(r.testSize()).isEqualTo(400);
        assertThat(r.chance()).isBetween(0.2, 0.35);
    }

    @Test
    void randomLabelsStayNearChance() {
        int[] labels = new int[800];
        double[][] x = blobs(labels, new SplittableRandom(2), false);
        LinearProbe.Result r = LinearProbe.holdOut(x, labels, CLASSES, 0);
        assertThat(r.accuracy()).isBetween(0.15, 0.37);
    }

    @Test
    void fitAndPredictAgreeWithTheLabelsOnTrainingData() {
        double[][] x = {{0, 0}, {0, 1}, {5, 5}, {5, 6}};
        int[] y = {0, 0, 1, 1};
        LinearProbe probe = LinearProbe.fit(x, y, 2);
        assertThat(probe.accuracy(x, y)).isEqualTo(1.0);
        assertThat(probe.predict(new double[] {6, 6})).isEqualTo(1);
    }

    @Test
    void badInputIsRefusedWithTheFaultNamed() {
        assertThatThrownBy(() -> LinearProbe.fit(new double[][] {{1}, {2, 3}}, new int[] {0, 1}, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sample 1 has 2 features");
        assertThatThrownBy(() -> LinearProbe.fit(new double[][] {{1}, {2}}, new int[] {0, 2}, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 2 of sample 1");
        assertThatThrownBy(() -> LinearProbe.fit(new double[][] {{Double.NaN}}, new int[] {0}, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-finite");
        LinearProbe probe = LinearProbe.fit(new double[][] {{1}, {2}}, new int[] {0, 1}, 2);
        assertThatThrownBy(() -> probe.predict(new double[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fitted on 1");
    }

    @Test
    void pcaFindsTheDirectionOfLargestSpread() {
        SplittableRandom random = new SplittableRandom(3);
        double[][] rows = new double[200][3];
        for (double[] r : rows) {
            double t = gaussian(random);
            r[0] = 10 * t;
            r[1] = 10 * t;
            r[2] = 0.1 * gaussian(random);
        }
        double[][] xy = Pca.project2d(rows);
        double varFirst = 0;
        double varSecond = 0;
        for (double[] p : xy) {
            varFirst += p[0] * p[0];
            varSecond += p[1] * p[1];
        }
        assertThat(varFirst).isGreaterThan(100 * varSecond);
    }
}
