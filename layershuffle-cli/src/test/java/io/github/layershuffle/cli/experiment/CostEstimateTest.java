package io.github.layershuffle.cli.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The estimate scaled by a speed probe of the machine (the probe injected, so no timing here). */
class CostEstimateTest {
    @Test
    void theInferredCalibrationRateReproducesTheMeasuredStandardEpochAtTheMeasuredProbe() {
        ExperimentSettings standard = ExperimentSettings.standard();
        double calibrated = CostEstimate.baseEpochSeconds(standard);
        assertThat(calibrated * CostEstimate.slowdown(CostEstimate.REFERENCE_PROBE_GFLOPS))
                .isCloseTo(CostEstimate.REFERENCE_BASE_EPOCH_SECONDS, within(1e-9));
        // the calibration machine was slower than 2026-12-02's, as the measured epochs were faster than calibrated
        assertThat(calibrated).isGreaterThan(CostEstimate.REFERENCE_BASE_EPOCH_SECONDS);
        assertThat(CostEstimate.CALIBRATION_PROBE_GFLOPS).isLessThan(CostEstimate.REFERENCE_PROBE_GFLOPS);
        assertThat(CostEstimate.slowdown(CostEstimate.CALIBRATION_PROBE_GFLOPS)).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void theScaledEstimateGrowsAsTheProbeSlowsDown() {
        ExperimentSettings standard = ExperimentSettings.standard();
        double calibrated = CostEstimate.seconds(standard).orElseThrow();
        double half = CostEstimate.CALIBRATION_PROBE_GFLOPS / 2;
        assertThat(CostEstimate.scaledSeconds(standard, half).orElseThrow()).isCloseTo(2 * calibrated, within(1e-6));
        assertThat(CostEstimate.scaledSeconds(standard, 2 * half).orElseThrow()).isCloseTo(calibrated, within(1e-6));
        assertThat(CostEstimate.scaledSeconds(ExperimentSettings.paper(), half)).isEmpty();
    }

    @Test
    void theLineGivesBothEstimatesAndTheProbe() {
        ExperimentSettings standard = ExperimentSettings.standard();
        double calibrated = CostEstimate.seconds(standard).orElseThrow() / 60;
        double probe = CostEstimate.CALIBRATION_PROBE_GFLOPS / 2;
        String line = CostEstimate.describe(standard, probe);
        assertThat(line).contains(String.format(Locale.ROOT, "estimated %.0f minutes at the calibration's speed",
                calibrated)).contains(String.format(Locale.ROOT, "about %.0f minutes on this machine now",
                2 * calibrated)).contains(String.format(Locale.ROOT, "%.1f GFLOP/s", probe)).contains("2.00x slower")
                .contains("training step of the standard model at batch 128");
        assertThat(CostEstimate.describe(standard, 4 * probe)).contains("2.00x faster now")
                .contains(String.format(Locale.ROOT, "about %.0f minutes on this machine now", calibrated / 2));
        assertThat(CostEstimate.describe(ExperimentSettings.paper(), probe)).contains("no estimate")
                .contains(String.format(Locale.ROOT, "%.1f GFLOP/s", probe));
    }

    @Test
    void aProbeRateThatIsNoRateIsRefused() {
        for (double bad : new double[] {0, -3, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThatThrownBy(() -> CostEstimate.slowdown(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("probe rate").hasMessageContaining(String.valueOf(bad));
        }
        assertThatThrownBy(() -> Experiment.builder().optSpeedProbe(-1)).hasMessageContaining("-1.0");
    }

    /** The real probes measure something (their values are the machine's, so only their sanity is checked). */
    @Test
    void theLibtorchProbesGivePositiveRates() {
        assertThat(SpeedProbe.libtorch().gflopsPerSecond()).isPositive().isFinite();
        assertThat(SpeedProbe.trainingStep().gflopsPerSecond()).isPositive().isFinite();
    }
}
