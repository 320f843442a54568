package io.github.layershuffle.train.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The multi-device path of an optimiser step, with two replicas of one parameter (on the CPU, since a test
 * machine may have no GPU; the code path is the same: reduce, then one update per replica).
 */
class PlanAwareParameterServerTest {
    private static final double LR = 0.1;
    private static final double EPS = 1e-6;

    @Test
    void reducesGradientsOverReplicasAndStepsEachAlike() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] start = {1f, -2f, 3f};
            NDArray w0 = manager.create(start);
            NDArray w1 = manager.create(start);
            NDArray frozen = manager.create(start);
            for (NDArray w : new NDArray[] {w0, w1, frozen}) {
                w.setRequiresGradient(true);
            }
            float[] a = {0.5f, 1f, -2f};
            float[] b = {0.25f, -3f, 1f};
            try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                NDArray loss = w0.mul(manager.create(a)).sum().add(w1.mul(manager.create(b)).sum())
                        .add(frozen.mul(manager.create(a)).sum());
                gc.backward(loss);
            }
            try (AdamOptimizer adam = new AdamOptimizer(manager, 0.9, 0.999, EPS, 0)) {
                PlanAwareParameterServer server = new PlanAwareParameterServer(adam,
                        Map.of("w", "blocks.0.mlp.fc1.bias", "f", "blocks.1.mlp.fc1.bias"), Map.of());
                server.prepare(Set.of("w"), (float) LR);
                server.update("w", new NDArray[] {w0, w1});
                server.update("f", new NDArray[] {frozen});

                // Adam's first step moves each weight by lr * g / (|g| + eps / sqrt(1 - beta2))
                float[] got0 = w0.toFloatArray();
                assertThat(got0).containsExactly(w1.toFloatArray());
                for (int i = 0; i < 3; i++) {
                    double g = a[i] + b[i];
                    double expected = start[i] - LR * g / (Math.abs(g) + EPS / Math.sqrt(0.001));
                    assertThat((double) got0[i]).isCloseTo(expected, within(1e-6));
                }
                assertThat(w0.getGradient().toFloatArray()).containsOnly(0f);
                assertThat(w1.getGradient().toFloatArray()).containsOnly(0f);
                assertThat(frozen.toFloatArray()).containsExactly(start);
                assertThat(frozen.getGradient().toFloatArray()).containsExactly(a);
                assertThat(adam.export().steps()).containsOnlyKeys("blocks.0.mlp.fc1.bias");
            }
        }
    }

    @Test
    void scalesTheLearningRateOfTheNamedParametersOnly() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[] start = {1f, -2f, 3f};
            float[] g = {0.5f, 1f, -2f};
            NDArray predictor = manager.create(start);
            NDArray other = manager.create(start);
            for (NDArray w : new NDArray[] {predictor, other}) {
                w.setRequiresGradient(true);
            }
            try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                gc.backward(predictor.mul(manager.create(g)).sum().add(other.mul(manager.create(g)).sum()));
            }
            try (AdamOptimizer adam = new AdamOptimizer(manager, 0.9, 0.999, EPS, 0)) {
                PlanAwareParameterServer server = new PlanAwareParameterServer(adam,
                        Map.of("p", "blocks.0.predict.fc.bias", "o", "blocks.0.mlp.fc1.bias"),
                        Map.of("blocks.0.predict.fc.bias", 10f));
                server.prepare(Set.of("p", "o"), (float) LR);
                server.update("p", new NDArray[] {predictor});
                server.update("o", new NDArray[] {other});
                float[] p = predictor.toFloatArray();
                float[] o = other.toFloatArray();
                for (int i = 0; i < 3; i++) {
                    // Adam's first step is lr * g / (|g| + eps / sqrt(1 - beta2)) = lr * sign(g), nearly
                    double step = g[i] / (Math.abs(g[i]) + EPS / Math.sqrt(0.001));
                    assertThat((double) o[i]).isCloseTo(start[i] - LR * step, within(1e-6));
                    assertThat((double) p[i]).isCloseTo(start[i] - 10 * LR * step, within(1e-5));
                }
            }
        }
    }

    @Test
    void batchesSplitIntoNearEqualNonEmptyParts() {
        assertThat(VitTrainer.partEnds(10, 1)).containsExactly(10);
        assertThat(VitTrainer.partEnds(10, 3)).containsExactly(4, 7, 10);
        assertThat(VitTrainer.partEnds(2, 4)).containsExactly(1, 2);
        assertThat(VitTrainer.partEnds(8, 2)).containsExactly(4, 8);
    }
}
