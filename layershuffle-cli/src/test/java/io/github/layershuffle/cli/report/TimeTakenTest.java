package io.github.layershuffle.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.cli.experiment.Measurements;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimeTakenTest {
    private static final List<ExperimentResult.UnitTime> UNITS = List.of(
            new ExperimentResult.UnitTime("train-base", 1800), new ExperimentResult.UnitTime("eval-baseline-s1", 600),
            new ExperimentResult.UnitTime("search-layershuffle", 300));

    private static String timing(ExperimentSettings s, List<String> pending, double... wallSeconds) {
        List<ExperimentResult.Invocation> invocations = new ArrayList<>();
        for (double w : wallSeconds) {
            invocations.add(new ExperimentResult.Invocation("2026-12-02T12:00:00Z", "layershuffle experiment", 1, "",
                    Double.NaN, w));
        }
        ExperimentResult r = new ExperimentResult(s, Path.of("run"), new Measurements(), Map.of(), UNITS, pending,
                Map.of(), invocations, Map.of(), Map.of(), Map.of(), Map.of(), Map.of());
        StringBuilder b = new StringBuilder();
        ResultsReport.timing(b, r);
        return b.toString();
    }

    @Test
    void aFinishedStandardRunIsJudgedByItsWallTimeAgainstThePresetsBound() {
        String within = timing(ExperimentSettings.standard(), List.of(), 2400, 3000);
        assertThat(within).contains("Finished units took 2,700 s (45 min)",
                "The protocol's units took 40 min, the recipe search 5 min.",
                "From start to end the invocations took 90 min",
                "meant to finish within 150 minutes on 2 cores: met (90 min, start to end");
        String over = timing(ExperimentSettings.standard(), List.of(), 6000, 3100);
        assertThat(over).contains("within 150 minutes on 2 cores: not met (152 min, start to end");
    }

    @Test
    void anInvocationThatDidNotFinishLeavesTheUnitsTimeAsTheMeasure() {
        String text = timing(ExperimentSettings.standard(), List.of(), 2400, Double.NaN);
        assertThat(text).doesNotContain("From start to end")
                .contains("met (45 min, the units' time, as some invocations did not finish");
    }

    @Test
    void noBoundIsClaimedForAnUnfinishedRunChangedSettingsOrAPresetWithoutOne() {
        assertThat(timing(ExperimentSettings.standard(), List.of("merge-baseline"), 2400)).doesNotContain("meant to");
        assertThat(timing(ExperimentSettings.standard().withSeeds(2), List.of(), 2400)).doesNotContain("meant to");
        assertThat(timing(ExperimentSettings.preset("smoke"), List.of(), 2400)).doesNotContain("meant to");
        assertThat(ExperimentSettings.preset("small").minutesBound()).hasValue(60);
        assertThat(ExperimentSettings.standard().minutesBound()).hasValue(150);
        assertThat(ExperimentSettings.standard().withSeeds(2).minutesBound()).isEmpty();
    }
}
