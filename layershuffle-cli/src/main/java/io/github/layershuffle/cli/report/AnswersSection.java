package io.github.layershuffle.cli.report;

import static io.github.layershuffle.api.Variant.BASELINE;
import static io.github.layershuffle.api.Variant.LAYERDROP;
import static io.github.layershuffle.api.Variant.LAYERSHUFFLE;
import static io.github.layershuffle.api.Variant.LAYERSHUFFLE_POSITION;
import static io.github.layershuffle.api.Variant.LAYERSHUFFLE_PREDICT;

import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.cli.experiment.Measurements;
import io.github.layershuffle.train.eval.Stat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * "The answers in brief": the report's main questions, each with the paper's number, ours, and a reading by a
 * rule stated in it. The numbers are the ones of the tables below (means over models, in percent); a question
 * whose numbers are missing, as in a partial run, is left out.
 */
final class AnswersSection {
    /** One question: what is asked, the paper's answer, ours, and what ours means by the stated rule. */
    record Row(String question, String paper, String ours, String reading) {
    }

    private final ExperimentResult result;
    private final Measurements m;
    private final double chance;

    AnswersSection(ExperimentResult result) {
        this.result = result;
        this.m = result.measurements();
        this.chance = 100.0 / result.settings().model().classes();
    }

    /** Appends the section, or nothing when no question can be answered yet. */
    void append(StringBuilder b) {
        List<Row> rows = rows();
        if (rows.isEmpty()) {
            return;
        }
        b.append("## The answers in brief\n\n");
        b.append("Each row is worked out from the tables below (top-1, mean over the models); the rule behind each "
                + "reading is stated in it. [Why we differ from the paper](#why-we-differ-from-the-paper) gives the "
                + "diagnostics behind the disagreements.\n\n");
        b.append("| question | paper (ViT-B/16, ImageNet) | ours | reading |\n|---|---|---|---|\n");
        for (Row r : rows) {
            b.append("| ").append(r.question()).append(" | ").append(r.paper()).append(" | ").append(r.ours())
                    .append(" | ").append(r.reading()).append(" |\n");
        }
        b.append("\n");
    }

    List<Row> rows() {
        List<Row> out = new ArrayList<>();
        ExperimentSettings s = result.settings();
        var bs = pct(BASELINE, Measurements.SEQUENTIAL);
        var ba = pct(BASELINE, Measurements.ARBITRARY);
        var ls = pct(LAYERSHUFFLE, Measurements.SEQUENTIAL);
        var la = pct(LAYERSHUFFLE, Measurements.ARBITRARY);
        var stem = pct(BASELINE, Measurements.STEM_PROBE);
        if (bs.isPresent() && ba.isPresent()) {
            String reading;
            if (ba.get() <= 2 * chance) {
                reading = "yes, to near chance (rule: at most twice chance, " + f(chance) + ")";
            } else {
                reading = "no, it keeps " + f(ba.get()) + " (rule: collapse is at most twice chance, " + f(chance) + ")";
                if (stem.isPresent()) {
                    reading += ba.get() <= stem.get() + 5
                            ? "; but a linear read-out of the stem alone gives " + f(stem.get()) + ", so reordering "
                                    + "undoes about all the blocks add and what remains is the stem's"
                            : "; the reordered blocks still add " + points(ba.get() - stem.get()) + " over the stem "
                                    + "probe's " + f(stem.get());
                }
            }
            out.add(new Row("Does the baseline collapse in arbitrary order?", "82.61 → 0.13 %",
                    f(bs.get()) + " → " + f(ba.get()), reading));
        }
        if (ls.isPresent() && la.isPresent()) {
            double d = la.get() - ls.get();
            out.add(new Row("LayerShuffle in arbitrary order, against its own sequential accuracy",
                    "−12.5 points (62.77 vs 75.22 %)", signed(d) + " (" + f(la.get()) + " vs " + f(ls.get())
                    + ")", Math.abs(d) < 12.45 ? "a smaller loss than the paper's" : "a loss as large as the paper's or larger"));
        }
        if (bs.isPresent() && la.isPresent()) {
            double d = la.get() - bs.get();
            out.add(new Row("LayerShuffle in arbitrary order, against the baseline in order",
                    "−19.8 points (62.77 vs 82.61 %)", signed(d) + " (" + f(la.get()) + " vs " + f(bs.get())
                    + ")", Math.abs(d) < 19.8 ? "a smaller gap than the paper's" : "a gap as large as the paper's or larger"));
        }
        merges(out, bs, la);
        ensembles(out, bs, la);
        var exact = pct(LAYERSHUFFLE_PREDICT, Measurements.POSITION_ARBITRARY);
        var near = pct(LAYERSHUFFLE_PREDICT, Measurements.POSITION_WITHIN_ONE);
        if (exact.isPresent()) {
            out.add(new Row("How well does -predict find its slot (arbitrary order)?", "99.99 %", f(exact.get())
                    + near.map(n -> "; within ±1 slot " + f(n) + " (the confusion matrix's images)").orElse(""), exact.get() > 95
                    ? "as in the paper (rule: above 95 %)" : "far below the paper's (rule: above 95 % to agree)"));
        }
        Optional<Stat> pos = m.stat(LAYERSHUFFLE_POSITION, Measurements.ARBITRARY);
        Optional<Stat> shuf = m.stat(LAYERSHUFFLE, Measurements.ARBITRARY);
        if (pos.isPresent() && shuf.isPresent()) {
            double d = 100 * (pos.get().mean() - shuf.get().mean());
            double noise = Rules.noisePoints(pos.get(), shuf.get());
            out.add(new Row("Does -position help (arbitrary order, against LayerShuffle)?", "+0.8 points (63.61 vs "
                    + "62.77 %)", signed(d), Math.abs(d) <= noise ? "no difference beyond noise (rule: twice the larger "
                    + "seed std, " + String.format(Locale.ROOT, "%.1f", noise) + " points)" : (d > 0 ? "yes" : "no, it "
                    + "hurts") + ", beyond noise (rule: twice the larger seed std, " + String.format(Locale.ROOT, "%.1f",
                    noise) + " points)"));
        }
        pruning(out, s);
        return out;
    }

    private void merges(List<Row> out, Optional<Double> bs, Optional<Double> la) {
        Optional<Stat> bm = m.stat(BASELINE, Measurements.MERGED_SEQUENTIAL);
        if (bm.isPresent() && bs.isPresent()) {
            double d = 100 * bm.get().mean() - bs.get();
            out.add(new Row("Merged baselines (" + result.settings().models(BASELINE) + " sources, in order) against "
                    + "their sources", "1.87 ± 6.51 vs 82.61 %", meanStd(bm.get()) + " vs " + f(bs.get()) + " ("
                    + signed(d) + ")", d < -Rules.MERGE_COLLAPSE_POINTS ? "a collapse, as in the paper (rule: more than 5 points below)"
                    : "no collapse, unlike the paper (rule: a collapse is more than 5 points below)"));
        }
        Optional<Stat> lm = m.stat(LAYERSHUFFLE, Measurements.MERGED_ARBITRARY);
        if (lm.isPresent() && la.isPresent()) {
            double d = 100 * lm.get().mean() - la.get();
            out.add(new Row("Merged LayerShuffle models (" + result.settings().models(LAYERSHUFFLE) + " sources, "
                    + "arbitrary order) against their sources", "59.68 ± 1.15 vs 62.77 % (−3.1 points)",
                    meanStd(lm.get()) + " vs " + f(la.get()) + " (" + signed(d) + ")", d >= -5
                    ? "close to the sources, as in the paper (rule: within 5 points)"
                    : "further below the sources than the paper's (rule: within 5 points to agree)"));
        }
    }

    private void ensembles(List<Row> out, Optional<Double> bs, Optional<Double> la) {
        var le = pct(LAYERSHUFFLE, Measurements.ENSEMBLE_ARBITRARY);
        if (le.isPresent() && la.isPresent()) {
            double d = le.get() - la.get();
            out.add(new Row("Does the " + result.settings().models(LAYERSHUFFLE) + "-model LayerShuffle ensemble beat "
                    + "a single model (arbitrary order)?", "yes, +6.4 points (69.20 vs 62.77 %)",
                    signed(d) + " (" + f(le.get()) + " vs " + f(la.get()) + ")", d > 0 ? "yes, by " + points(d)
                    : "no"));
        }
        var be = pct(BASELINE, Measurements.ENSEMBLE_SEQUENTIAL);
        if (be.isPresent() && bs.isPresent()) {
            double d = be.get() - bs.get();
            out.add(new Row("Does the " + result.settings().models(BASELINE) + "-model baseline ensemble beat a single "
                    + "model (in order)?", "not reported", signed(d) + " (" + f(be.get()) + " vs " + f(bs.get()) + ")",
                    d > 0 ? "yes, by " + points(d) : "no"));
        }
    }

    private void pruning(List<Row> out, ExperimentSettings s) {
        for (int k : s.controlDepths()) {
            var control = pct(BASELINE, Measurements.control(k));
            var shuffle = pct(LAYERSHUFFLE, Measurements.keep(k, false));
            var drop = pct(LAYERDROP, Measurements.keep(k, false));
            if (control.isEmpty() || shuffle.isEmpty()) {
                continue;
            }
            double gap = shuffle.get() - control.get();
            out.add(new Row("Pruned to the first " + k + " blocks: LayerShuffle against a model refined with only " + k,
                    k * 2 <= s.model().depth() ? "the refined model is ahead (Fig. 1b)" : "about equal (Fig. 1b)",
                    f(shuffle.get()) + " vs " + f(control.get()) + " (" + signed(gap) + ")"
                            + drop.map(d -> "; LayerDrop " + f(d)).orElse(""),
                    gap >= -5 ? "graceful (rule: within 5 points of the refined model)"
                            : "not graceful (rule: within 5 points of the refined model)" + (k * 2 <= s.model().depth()
                            ? "; the refined model is ahead, as in the paper" : "")));
        }
        List<Integer> keeps = s.keeps();
        List<Double> random = new ArrayList<>();
        for (int k : keeps) {
            pct(LAYERSHUFFLE, Measurements.keep(k, true)).ifPresent(random::add);
        }
        if (random.size() == keeps.size() && random.size() > 1) {
            boolean rising = true;
            for (int i = 1; i < random.size(); i++) {
                rising &= random.get(i) > random.get(i - 1);
            }
            out.add(new Row("LayerShuffle pruned to k random blocks in random order, k = " + keeps.stream()
                    .map(String::valueOf).collect(Collectors.joining(", ")), "rises as blocks are added (Fig. 1c)",
                    random.stream().map(v -> String.format(Locale.ROOT, "%.1f", v)).collect(Collectors.joining(", "))
                            + " %", rising ? "rises with every block added, as in the paper"
                            : "does not rise with every block added, unlike the paper"));
        }
    }

    private Optional<Double> pct(Variant v, String metric) {
        return m.stat(v, metric).map(st -> 100 * st.mean());
    }

    private static String f(double v) {
        return Rules.percent(v);
    }

    private static String meanStd(Stat st) {
        return String.format(Locale.ROOT, "%.1f ± %.1f %%", 100 * st.mean(), 100 * st.std());
    }

    private static String points(double v) {
        return String.format(Locale.ROOT, "%.1f points", v);
    }

    private static String signed(double v) {
        return Rules.signed(v);
    }
}
