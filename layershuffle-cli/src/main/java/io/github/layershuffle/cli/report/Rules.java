package io.github.layershuffle.cli.report;

import io.github.layershuffle.train.eval.Stat;
import java.util.Locale;

/**
 * The thresholds and number forms the report's readings share ({@link AnswersSection}, {@link Findings},
 * {@link Differences}), so that the same question gets the same rule and the same figures wherever it is read.
 */
final class Rules {
    /** A merge collapses if its mean falls more than this many points below the single models'. */
    static final double MERGE_COLLAPSE_POINTS = 5;

    private Rules() {
    }

    /**
     * The noise bound of a difference of two means over seeds, in points: twice the larger of the two seed
     * standard deviations.
     */
    static double noisePoints(Stat a, Stat b) {
        return 100 * 2 * Math.max(a.std(), b.std());
    }

    /** An accuracy in percent, one decimal: {@code 84.4 %}. */
    static String percent(double v) {
        return String.format(Locale.ROOT, "%.1f %%", v);
    }

    /** A signed difference in points, with a true minus sign as the paper prints it: {@code −3.9 points}. */
    static String signed(double v) {
        return String.format(Locale.ROOT, "%+.1f points", v).replace('-', '−');
    }
}
