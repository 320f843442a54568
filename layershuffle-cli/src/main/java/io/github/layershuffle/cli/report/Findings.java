package io.github.layershuffle.cli.report;

import static io.github.layershuffle.api.Variant.BASELINE;
import static io.github.layershuffle.api.Variant.LAYERDROP;
import static io.github.layershuffle.api.Variant.LAYERSHUFFLE;
import static io.github.layershuffle.api.Variant.LAYERSHUFFLE_POSITION;
import static io.github.layershuffle.api.Variant.LAYERSHUFFLE_PREDICT;

import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.eval.Stat;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.Measurements;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Sentences comparing our numbers with the paper's, generated from the actual values: each says what the
 * paper found, what we measured, and whether they agree. Nothing here is written in advance of the numbers.
 */
final class Findings {
    private final ExperimentResult result;
    private final Measurements m;
    private final double chance;

    Findings(ExperimentResult result) {
        this.result = result;
        this.m = result.measurements();
        this.chance = 100.0 / result.settings().model().classes();
    }

    private Optional<Double> pct(Variant v, String metric) {
        return m.stat(v, metric).map(s -> 100 * s.mean());
    }

    private static String f(double v) {
        return Rules.percent(v);
    }

    private static String pts(double v) {
        return Rules.signed(v);
    }

    List<String> orderAndPruning() {
        List<String> out = new ArrayList<>();
        var bs = pct(BASELINE, Measurements.SEQUENTIAL);
        var ba = pct(BASELINE, Measurements.ARBITRARY);
        var ls = pct(LAYERSHUFFLE, Measurements.SEQUENTIAL);
        var la = pct(LAYERSHUFFLE, Measurements.ARBITRARY);
        if (bs.isPresent() && ba.isPresent() && ls.isPresent() && la.isPresent()) {
            double bDrop = bs.get() - ba.get();
            double lDrop = ls.get() - la.get();
            boolean agrees = bDrop > lDrop + 10 && la.get() > 2 * chance;
            out.add("Arbitrary order. Paper: the baseline falls from 82.61 % to 0.13 % (−82.5 points), LayerShuffle "
                    + "from 75.22 % to 62.77 % (−12.5 points). Ours: the baseline falls from " + f(bs.get()) + " to "
                    + f(ba.get()) + " (" + pts(-bDrop) + "), LayerShuffle from " + f(ls.get()) + " to " + f(la.get())
                    + " (" + pts(-lDrop) + "). " + (agrees
                    ? "This agrees with the paper: shuffling during fine-tuning is what keeps the model working "
                            + "in an arbitrary order."
                    : "This does NOT reproduce the paper's contrast: LayerShuffle's drop is not clearly smaller "
                            + "than the baseline's (or its arbitrary accuracy is near chance, " + f(chance) + ")."));
            var stem = pct(BASELINE, Measurements.STEM_PROBE);
            if (ba.get() > 2 * chance) {
                out.add("Unlike the paper's ViT-B/16 (0.13 %), our baseline keeps " + f(ba.get()) + " in arbitrary "
                        + "order, well above chance (" + f(chance) + ")" + (stem.isPresent()
                        ? "; a linear read-out of the stem alone gives " + f(stem.get()) + " on this data set (see "
                                + "\"Floor of a reordered baseline\" under \"Why we differ from the paper\")."
                        : "; no stem probe was measured to tell how much of it the stem alone gives."));
            }
            double behind = la.get() - bs.get();
            out.add("Against the baseline in order. Paper: LayerShuffle in arbitrary order is 19.8 points below the "
                    + "baseline in sequential order (62.77 vs 82.61 %). Ours: " + pts(behind) + " (" + f(la.get())
                    + " vs " + f(bs.get()) + ")" + (Math.abs(behind) < 19.8 ? ", a smaller gap than the paper's."
                    : ", a gap as large as the paper's or larger."));
            double cost = ls.get() - bs.get();
            out.add("Cost in sequential order. Paper: LayerShuffle is 7.4 points below the baseline (75.22 vs 82.61 %)."
                    + " Ours: " + pts(cost) + " (" + f(ls.get()) + " vs " + f(bs.get()) + ")"
                    + (cost < 0 ? ", the same direction as the paper." : ", unlike the paper, no cost."));
        }
        var pa = pct(LAYERSHUFFLE_POSITION, Measurements.ARBITRARY);
        if (pa.isPresent() && la.isPresent()) {
            double d = pa.get() - la.get();
            out.add("Slot embedding. Paper: LayerShuffle-position gains +0.8 points over LayerShuffle in arbitrary "
                    + "order (63.61 vs 62.77 %). Ours: " + pts(d) + (d > 0 ? " (same direction)." : " (opposite "
                    + "direction: the slot embedding did not help here)."));
        }
        var pra = pct(LAYERSHUFFLE_PREDICT, Measurements.ARBITRARY);
        if (pra.isPresent() && la.isPresent() && pa.isPresent()) {
            boolean lowest = pra.get() <= Math.min(la.get(), pa.get());
            out.add("Paper: LayerShuffle-predict is the weakest of the three in arbitrary order (61.18 %). Ours: "
                    + f(pra.get()) + (lowest ? ", also the weakest." : ", not the weakest here."));
        }
        var da = pct(LAYERDROP, Measurements.ARBITRARY);
        if (da.isPresent() && la.isPresent()) {
            boolean agrees = la.get() > da.get() + 10;
            out.add("LayerDrop in arbitrary order. Paper (Fig. 1c): LayerDrop fails when shuffled. Ours: LayerDrop "
                    + f(da.get()) + " vs LayerShuffle " + f(la.get()) + (agrees ? " — agrees." : " — does NOT "
                    + "reproduce a clear gap of more than 10 points."));
        }
        List<Integer> keeps = result.settings().keeps();
        if (!keeps.isEmpty()) {
            int k = result.settings().quarterKeep();
            var lk = pct(LAYERSHUFFLE, Measurements.keep(k, false));
            var dk = pct(LAYERDROP, Measurements.keep(k, false));
            if (lk.isPresent() && dk.isPresent()) {
                out.add("Pruning to " + k + (k == 1 ? " block" : " blocks") + " in order. Paper (3 of 12 layers): LayerShuffle ≈ 18 % vs "
                        + "LayerDrop close to 0 %. Ours: LayerShuffle " + f(lk.get()) + ", LayerDrop " + f(dk.get())
                        + (Math.abs(lk.get() - dk.get()) < 1 ? " — about equal (within 1 point), so LayerShuffle's "
                        + "edge in the paper is not reproduced." : lk.get() > dk.get()
                        ? " — LayerShuffle ahead, as in the paper." : " — LayerDrop ahead, unlike the paper."));
            }
            List<String> beaten = new ArrayList<>();
            int wins = 0;
            int compared = 0;
            for (int kk : keeps) {
                var l = pct(LAYERSHUFFLE, Measurements.keep(kk, true));
                if (l.isEmpty()) {
                    continue;
                }
                for (Variant other : List.of(BASELINE, LAYERDROP)) {
                    var o = pct(other, Measurements.keep(kk, true));
                    if (o.isPresent()) {
                        compared++;
                        if (l.get() > o.get()) {
                            wins++;
                        } else {
                            beaten.add(other.id() + " at " + kk + (kk == 1 ? " block" : " blocks"));
                        }
                    }
                }
            }
            if (compared > 0) {
                out.add("Pruning in random order. Paper (Fig. 1c): only LayerShuffle works. Ours: LayerShuffle beats "
                        + "the baseline and LayerDrop in " + wins + " of " + compared + " comparisons"
                        + (beaten.isEmpty() ? "." : "; it does not beat " + String.join(", ", beaten) + "."));
            }
        }
        return out;
    }

    List<String> mergesAndProbe() {
        List<String> out = new ArrayList<>();
        var bm = pct(BASELINE, Measurements.MERGED_SEQUENTIAL);
        var bs = pct(BASELINE, Measurements.SEQUENTIAL);
        if (bm.isPresent() && bs.isPresent()) {
            out.add("Merged baselines. Paper: 1.87 % (from 82.61 %), unusable. Ours: " + f(bm.get()) + " (from "
                    + f(bs.get()) + ")" + (bm.get() < bs.get() - 10 ? ", a clear collapse as in the paper."
                    : ", no collapse: unlike the paper, our baseline models merge well (see \"Why we differ from the "
                    + "paper\" for how far they moved from their base)."));
        }
        var lm = pct(LAYERSHUFFLE, Measurements.MERGED_ARBITRARY);
        var la = pct(LAYERSHUFFLE, Measurements.ARBITRARY);
        if (lm.isPresent() && la.isPresent()) {
            double d = lm.get() - la.get();
            out.add("Merged LayerShuffle models (arbitrary order). Paper: 59.68 % vs 62.77 % for the single models "
                    + "(−3.1 points). Ours: " + f(lm.get()) + " vs " + f(la.get()) + " (" + pts(d) + ")"
                    + (d > -10 ? ", close to the single models, as in the paper." : ", a larger loss than the paper's."));
        }
        var le = pct(LAYERSHUFFLE, Measurements.ENSEMBLE_ARBITRARY);
        if (le.isPresent() && la.isPresent()) {
            double d = le.get() - la.get();
            out.add("Ensemble of LayerShuffle models (arbitrary order). Paper: 69.20 % vs 62.77 % (+6.4 points, "
                    + "12 members). Ours: " + f(le.get()) + " vs " + f(la.get()) + " (" + pts(d) + ", "
                    + result.settings().models(LAYERSHUFFLE) + " members)" + (d > 0 ? ", an improvement as in the paper."
                    : ", no improvement, unlike the paper."));
        }
        var be = pct(BASELINE, Measurements.ENSEMBLE_SEQUENTIAL);
        if (be.isPresent() && bs.isPresent()) {
            double d = be.get() - bs.get();
            out.add("Ensemble of baseline models (in order; the paper reports none). Ours: " + f(be.get()) + " vs "
                    + f(bs.get()) + " for a single model (" + pts(d) + ", " + result.settings().models(BASELINE)
                    + " members)" + (d > 0 ? "." : ", no improvement."));
        }
        var pp = m.stat(LAYERSHUFFLE_PREDICT, Measurements.POSITION_ARBITRARY);
        if (pp.isPresent()) {
            double v = 100 * pp.get().mean();
            out.add("Position prediction (LayerShuffle-predict, random order). Paper: 99.99 %. Ours: " + f(v)
                    + (v > 95 ? ", agrees." : ", lower than the paper's."));
        }
        for (Variant v : List.of(BASELINE, LAYERSHUFFLE, LAYERSHUFFLE_POSITION)) {
            var p = pct(v, Measurements.PROBE);
            var c = pct(v, Measurements.PROBE_CHANCE);
            if (p.isPresent() && c.isPresent()) {
                out.add("Linear probe of the slot, " + v.id() + ": " + f(p.get()) + " (chance " + f(c.get()) + ")"
                        + (p.get() > c.get() + (100 - c.get()) / 2 ? " — a block's output reveals where it ran, in "
                        + "line with the paper's Figure 4." : " — the slot is only partly readable from the outputs."));
            }
        }
        var pb = pct(BASELINE, Measurements.PROBE);
        var pl = pct(LAYERSHUFFLE, Measurements.PROBE);
        if (pb.isPresent() && pl.isPresent()) {
            out.add(pb.get() >= pl.get()
                    ? "The probe reads the slot from the baseline's block outputs (" + f(pb.get()) + ") at least as "
                            + "well as from LayerShuffle's (" + f(pl.get()) + "): here, outputs that depend on the slot "
                            + "are not specific to shuffle training (the paper showed only a LayerShuffle model)."
                    : "The probe reads the slot better from LayerShuffle's block outputs (" + f(pl.get()) + ") than "
                            + "from the baseline's (" + f(pb.get()) + ").");
        }
        return out;
    }

    /** The largest |DJL − ORT| over the metrics measured both ways, in points, if any. */
    Optional<Double> ortGap() {
        double max = -1;
        for (Variant v : m.methods()) {
            for (String metric : metricsWithOrt(v)) {
                Optional<Stat> djl = m.stat(v, metric);
                Optional<Stat> ort = m.stat(v, Measurements.ORT + metric);
                if (djl.isPresent() && ort.isPresent() && djl.get().count() == ort.get().count()) {
                    max = Math.max(max, 100 * Math.abs(djl.get().mean() - ort.get().mean()));
                }
            }
        }
        return max < 0 ? Optional.empty() : Optional.of(max);
    }

    private List<String> metricsWithOrt(Variant v) {
        List<String> names = new ArrayList<>(List.of(Measurements.SEQUENTIAL, Measurements.ARBITRARY));
        for (int k : result.settings().keeps()) {
            names.add(Measurements.keep(k, false));
            names.add(Measurements.keep(k, true));
        }
        return names.stream().filter(n -> !m.values(v, Measurements.ORT + n).isEmpty()).toList();
    }
}
