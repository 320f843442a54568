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

/** The "why we differ" rules read the diagnostics: other numbers, other sentences. */
class DifferencesTest {

    static ExperimentResult result(Measurements m) {
        return new ExperimentResult(ExperimentSettings.standard(), Path.of("run"), m, Map.of(), List.of(), List.of(),
                Map.of(), List.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
    }

    static Measurements baseline(double full, double keep3, double stem, double arbitrary, double merged,
                                 double moved, double disagree) {
        Measurements m = new Measurements();
        m.add(Variant.BASELINE, Measurements.SEQUENTIAL, full);
        m.add(Variant.BASELINE, Measurements.keep(3, false), keep3);
        m.add(Variant.BASELINE, Measurements.STEM_PROBE, stem);
        m.add(Variant.BASELINE, Measurements.ARBITRARY, arbitrary);
        m.add(Variant.BASELINE, Measurements.MERGED_SEQUENTIAL, merged);
        m.add(Variant.BASELINE, Measurements.DIVERGENCE_MEAN, moved);
        m.add(Variant.BASELINE, Measurements.DISAGREEMENT, disagree);
        m.add(Variant.BASELINE, Measurements.UPDATE_RATIO_MEAN, 0.2);
        return m;
    }

    @Test
    void aShallowModelWithAStrongStemAndCloseFineTunesIsExplainedSo() {
        String text = String.join("\n", new Differences(result(baseline(0.876, 0.72 + 0.1, 0.80, 0.41, 0.879, 0.01,
                0.02))).reasons());
        assertThat(text).contains("give 82.0 %, all 12 give 87.6 %: shallow in effect")
                .contains("reaches 80.0 %, the full baseline 87.6 %: the blocks add 7.6 points, little")
                .contains("Arbitrary order gives 41.0 % vs the stem probe's 80.0 %: reordering undoes")
                .contains("moved 0.010").contains("they stayed close to their common base")
                .contains("by 0.20 of its norm").contains("200,200 steps").contains("1,290 steps");
    }

    @Test
    void aDeepModelWhoseMergesCollapseIsExplainedOtherwise() {
        String text = String.join("\n", new Differences(result(baseline(0.90, 0.30, 0.40, 0.60, 0.05, 0.4, 0.3)))
                .reasons());
        assertThat(text).contains("the later blocks matter").contains("they carry the accuracy")
                .contains("the reordered blocks still add 20.0 points").contains("no longer interchangeable")
                .doesNotContain("shallow in effect");
    }

    @Test
    void slotPredictionMissesAreCountedAsNeighboursOnlyWhenMostAre() {
        Measurements m = new Measurements();
        m.add(Variant.LAYERSHUFFLE_PREDICT, Measurements.POSITION_ARBITRARY, 0.40);
        m.add(Variant.LAYERSHUFFLE_PREDICT, Measurements.POSITION_WITHIN_ONE, 0.85);
        assertThat(String.join("\n", new Differences(result(m)).reasons())).contains("75.0 % of its misses are one slot "
                + "off, so it mostly confuses neighbouring slots");
        Measurements n = new Measurements();
        n.add(Variant.LAYERSHUFFLE_PREDICT, Measurements.POSITION_ARBITRARY, 0.40);
        n.add(Variant.LAYERSHUFFLE_PREDICT, Measurements.POSITION_WITHIN_ONE, 0.55);
        assertThat(String.join("\n", new Differences(result(n)).reasons())).contains("25.0 % of its misses")
                .contains("not mostly neighbours");
    }
}
