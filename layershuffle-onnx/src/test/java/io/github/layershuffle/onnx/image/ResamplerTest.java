package io.github.layershuffle.onnx.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/** The documented filter on lines whose result is worked out by hand. Tolerance 1e-6 (float rounding). */
class ResamplerTest {

    private static float[] line(float[] in, int to) {
        float[] out = new float[to];
        Resampler.of(in.length, to).line(in, 0, out, 0);
        return out;
    }

    @Test
    void shrinkingByAnIntegerFactorAveragesEachGroup() {
        assertThat(line(new float[] {0, 10, 200, 210}, 2)).containsExactly(new float[] {5, 205}, within(1e-6f));
        assertThat(line(new float[] {1, 2, 3, 4, 5, 6}, 2)).containsExactly(new float[] {2, 5}, within(1e-6f));
        assertThat(line(new float[] {3, 9, 6}, 1)).containsExactly(new float[] {6}, within(1e-6f));
    }

    @Test
    void shrinkingByAFractionWeighsPartlyCoveredSamplesByTheirShare() {
        // 3 -> 2: each output covers 1.5 samples: [0, 1.5) and [1.5, 3)
        assertThat(line(new float[] {0, 30, 60}, 2))
                .containsExactly(new float[] {(0 + 0.5f * 30) / 1.5f, (0.5f * 30 + 60) / 1.5f}, within(1e-5f));
        // 5 -> 2: [0, 2.5) and [2.5, 5)
        assertThat(line(new float[] {10, 20, 30, 40, 50}, 2))
                .containsExactly(new float[] {(10 + 20 + 0.5f * 30) / 2.5f, (0.5f * 30 + 40 + 50) / 2.5f},
                        within(1e-5f));
    }

    @Test
    void growingInterpolatesBilinearlyBetweenHalfPixelCentresAndClampsAtTheEdges() {
        // 2 -> 4: positions -0.25, 0.25, 0.75, 1.25 clamp to 0, 0.25, 0.75, 1
        assertThat(line(new float[] {0, 1}, 4)).containsExactly(new float[] {0, 0.25f, 0.75f, 1}, within(1e-6f));
        // 3 -> 5: positions -0.2, 0.4, 1.0, 1.6, 2.2 clamp to 0, 0.4, 1, 1.6, 2
        assertThat(line(new float[] {0, 10, 20}, 5)).containsExactly(new float[] {0, 4, 10, 16, 20}, within(1e-5f));
        assertThat(line(new float[] {7}, 3)).containsExactly(new float[] {7, 7, 7}, within(1e-6f));
    }

    @Test
    void keepingTheLengthCopies() {
        assertThat(line(new float[] {0.1f, 0.9f, 0.3f}, 3)).containsExactly(0.1f, 0.9f, 0.3f);
    }

    @Test
    void columnsUseTheSameWeightsAsLines() {
        // two columns of 4 rows, shrunk to 2 rows: the same averages as the lines above
        float[] in = {0, 1, 10, 2, 200, 3, 210, 4};
        float[] out = new float[4];
        Resampler.of(4, 2).columns(in, 2, out);
        assertThat(out).containsExactly(new float[] {5, 1.5f, 205, 3.5f}, within(1e-5f));
    }
}
