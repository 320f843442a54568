package io.github.layershuffle.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.experiment.Measurements;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The answers table reads the same numbers as the tables, and its readings follow the stated rules. */
class AnswersSectionTest {

    private static String render(Measurements m) {
        StringBuilder b = new StringBuilder();
        new AnswersSection(DifferencesTest.result(m)).append(b);
        return b.toString();
    }

    private static Measurements standardLike() {
        Measurements m = new Measurements();
        m.add(Variant.BASELINE, Measurements.SEQUENTIAL, 0.8886);
        m.add(Variant.BASELINE, Measurements.ARBITRARY, 0.4460);
        m.add(Variant.BASELINE, Measurements.STEM_PROBE, 0.5350);
        m.add(Variant.LAYERSHUFFLE, Measurements.SEQUENTIAL, 0.8828);
        for (double a : new double[] {0.8435, 0.8445}) {
            m.add(Variant.LAYERSHUFFLE, Measurements.ARBITRARY, a);
        }
        for (double a : new double[] {0.8370, 0.8390}) {
            m.add(Variant.LAYERSHUFFLE_POSITION, Measurements.ARBITRARY, a);
        }
        m.add(Variant.LAYERSHUFFLE_PREDICT, Measurements.POSITION_ARBITRARY, 0.2287);
        m.add(Variant.LAYERSHUFFLE_PREDICT, Measurements.POSITION_WITHIN_ONE, 0.5143);
        return m;
    }

    @Test
    void aBaselineAboveChanceButBelowItsStemProbeIsReadAsNoCollapseExplainedByTheStem() {
        String md = render(standardLike());
        assertThat(md).contains("| Does the baseline collapse in arbitrary order? | 82.61 → 0.13 % | 88.9 % → 44.6 % | "
                + "no, it keeps 44.6 % (rule: collapse is at most twice chance, 10.0 %); but a linear read-out of the "
                + "stem alone gives 53.5 %");
        assertThat(md).contains("| LayerShuffle in arbitrary order, against its own sequential accuracy | −12.5 points "
                + "(62.77 vs 75.22 %) | −3.9 points (84.4 % vs 88.3 %) | a smaller loss than the paper's |");
        assertThat(md).contains("against the baseline in order | −19.8 points (62.77 vs 82.61 %) | −4.5 points");
        assertThat(md).contains("| How well does -predict find its slot (arbitrary order)? | 99.99 % | 22.9 %; within ±1 "
                + "slot 51.4 % (the confusion matrix's images) | far below the paper's");
        // -position: 83.80 vs 84.40 = −0.6 points; the larger std is 0.14 points, so twice it is 0.3: beyond noise
        assertThat(md).contains("| −0.6 points | no, it hurts, beyond noise");
    }

    @Test
    void collapsesMergesEnsemblesAndPruningAreReadByTheirRules() {
        Measurements m = new Measurements();
        m.add(Variant.BASELINE, Measurements.SEQUENTIAL, 0.90);
        m.add(Variant.BASELINE, Measurements.ARBITRARY, 0.15);
        for (double v : new double[] {0.10, 0.30}) {
            m.add(Variant.BASELINE, Measurements.MERGED_SEQUENTIAL, v);
        }
        m.add(Variant.BASELINE, Measurements.ENSEMBLE_SEQUENTIAL, 0.89);
        m.add(Variant.LAYERSHUFFLE, Measurements.ARBITRARY, 0.80);
        m.add(Variant.LAYERSHUFFLE, Measurements.MERGED_ARBITRARY, 0.78);
        m.add(Variant.LAYERSHUFFLE, Measurements.ENSEMBLE_ARBITRARY, 0.83);
        m.add(Variant.BASELINE, Measurements.control(3), 0.85);
        m.add(Variant.LAYERSHUFFLE, Measurements.keep(3, false), 0.70);
        m.add(Variant.BASELINE, Measurements.control(9), 0.88);
        m.add(Variant.LAYERSHUFFLE, Measurements.keep(9, false), 0.86);
        List<Double> random = List.of(0.2, 0.3, 0.4, 0.6, 0.75, 0.80);
        List<Integer> keeps = List.of(1, 2, 3, 6, 9, 12);
        for (int i = 0; i < keeps.size(); i++) {
            m.add(Variant.LAYERSHUFFLE, Measurements.keep(keeps.get(i), true), random.get(i));
        }
        String md = render(m);
        assertThat(md).contains("| 90.0 % → 15.0 % | yes, to near chance");
        assertThat(md).contains("| 20.0 ± 14.1 % vs 90.0 % (−70.0 points) | a collapse, as in the paper");
        assertThat(md).contains("| 78.0 ± 0.0 % vs 80.0 % (−2.0 points) | close to the sources, as in the paper");
        assertThat(md).contains("| +3.0 points (83.0 % vs 80.0 %) | yes, by 3.0 points |");
        assertThat(md).contains("baseline ensemble beat a single model (in order)? | not reported | −1.0 points "
                + "(89.0 % vs 90.0 %) | no |");
        assertThat(md).contains("first 3 blocks: LayerShuffle against a model refined with only 3 | the refined model "
                + "is ahead (Fig. 1b) | 70.0 % vs 85.0 % (−15.0 points) | not graceful");
        assertThat(md).contains("first 9 blocks: LayerShuffle against a model refined with only 9 | about equal "
                + "(Fig. 1b) | 86.0 % vs 88.0 % (−2.0 points) | graceful");
        assertThat(md).contains("| 20.0, 30.0, 40.0, 60.0, 75.0, 80.0 % | rises with every block added");
    }

    @Test
    void nothingIsWrittenWithoutNumbers() {
        assertThat(render(new Measurements())).isEmpty();
    }
}
