package io.github.layershuffle.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.cli.experiment.Measurements;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The -predict learning curve: the mean over the method's own seeds, and the rule on the last epoch's gain. */
class PositionCurveTest {

    private static String curve(Map<String, List<Double>> curves) {
        ExperimentResult r = new ExperimentResult(ExperimentSettings.standard(), Path.of("run"), new Measurements(),
                Map.of(), List.of(), List.of(), Map.of(), List.of(), Map.of(), curves, Map.of(), Map.of(), Map.of());
        StringBuilder b = new StringBuilder();
        DiagnosticsSection.appendPositionCurve(b, r, Variant.LAYERSHUFFLE_PREDICT);
        return b.toString();
    }

    @Test
    void averagesTheMethodsSeedsOnlyAndSaysWhenItWasStillLearning() {
        String text = curve(Map.of("layershuffle-predict-s1", List.of(0.1, 0.2, 0.3),
                "layershuffle-predict-s2", List.of(0.1, 0.2, 0.5), "layershuffle-s1", List.of(0.9, 0.9, 0.9)));
        assertThat(text).contains("mean over 2 seed(s)").contains("| slot named | 10.0 % | 20.0 % | 40.0 % |")
                .contains("+20.0 points").contains("still learning when fine-tuning stopped");
    }

    @Test
    void aFlatLastEpochHasStopped() {
        String text = curve(Map.of("layershuffle-predict-s1", List.of(0.20, 0.215, 0.219)));
        assertThat(text).contains("+0.4 points").contains("had about stopped learning");
    }

    @Test
    void nothingWithoutRecordedCurves() {
        assertThat(curve(Map.of())).isEmpty();
    }

    @Test
    void theBasePlateausWhenItsValidationLossStoppedFallingOrItsAccuracyIsFlat() {
        List<Double> rising = List.of(0.80, 0.85, 0.880, 0.886, 0.890, 0.8966);
        assertThat(DiagnosticsSection.plateau(rising, 6)).contains("+1.66 points").contains("lowest at epoch 6 of 6")
                .contains("it had not plateaued yet");
        assertThat(DiagnosticsSection.plateau(rising, 4)).contains("lowest at epoch 4 of 6").contains("(88.60 %)")
                .contains(": it plateaued");
        assertThat(DiagnosticsSection.plateau(rising, null)).doesNotContain("lowest").contains("not plateaued yet");
        List<Double> flat = List.of(0.80, 0.85, 0.894, 0.895, 0.896, 0.897);
        assertThat(DiagnosticsSection.plateau(flat, 6)).contains("+0.30 points").contains(": it plateaued");
        assertThat(DiagnosticsSection.plateau(List.of(0.8), 1)).isEmpty();
    }
}
