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

/**
 * "Why we differ from the paper": sentences that explain a disagreement with the paper by a measured
 * diagnostic. Each rule names the numbers it read and its threshold; a rule whose numbers are missing says
 * nothing. The thresholds are stated in the sentences so a reader can disagree with them.
 */
final class Differences {
    /** The paper's fine-tuning: 20 epochs of ImageNet2012's 1,281,167 training images at batch 128. */
    static final long PAPER_FINE_TUNING_STEPS = 20L * ((1_281_167 + 127) / 128);

    private final ExperimentResult result;
    private final Measurements m;

    Differences(ExperimentResult result) {
        this.result = result;
        this.m = result.measurements();
    }

    private Optional<Double> pct(Variant v, String metric) {
        return m.stat(v, metric).map(s -> 100 * s.mean());
    }

    private static String f(double v) {
        return Rules.percent(v);
    }

    List<String> reasons() {
        List<String> out = new ArrayList<>();
        ExperimentSettings s = result.settings();
        int depth = s.model().depth();
        var full = pct(BASELINE, Measurements.SEQUENTIAL);
        var arbitrary = pct(BASELINE, Measurements.ARBITRARY);
        int few = s.quarterKeep() < depth ? s.quarterKeep() : -1;
        var fewSeq = few < 0 ? Optional.<Double>empty() : pct(BASELINE, Measurements.keep(few, false));
        if (full.isPresent() && fewSeq.isPresent()) {
            double gap = full.get() - fewSeq.get();
            out.add("Depth in effect (rule: shallow if the first " + few + " of " + depth + " blocks in order come within "
                    + "10 points of all " + depth + "). The baseline's first " + few + " blocks give " + f(fewSeq.get())
                    + ", all " + depth + " give " + f(full.get()) + (gap < 10
                    ? ": shallow in effect, most of the work is done by the first blocks, so reordering the rest costs "
                            + "little; the paper's ViT-B/16 fell to about 0 % with 3 of 12 layers (LayerDrop, Fig. 1b)."
                    : String.format(Locale.ROOT, ": %.1f points apart, the later blocks matter, so shallowness does "
                            + "not explain a difference from the paper here.", gap)));
        }
        var stem = pct(BASELINE, Measurements.STEM_PROBE);
        if (full.isPresent() && stem.isPresent()) {
            double added = full.get() - stem.get();
            out.add("What the blocks add (rule: they matter little if the stem with a linear read-out comes within 15 "
                    + "points of the full model). A linear probe on the baseline's stem tokens alone reaches "
                    + f(stem.get()) + ", the full baseline " + f(full.get()) + (added <= 0
                    ? ": the blocks add nothing over the stem, so blocks in a wrong order cannot lose much."
                    : String.format(Locale.ROOT, ": the blocks add %.1f points%s", added, added < 15
                            ? ", little, so blocks in a wrong order cannot lose much."
                            : ", they carry the accuracy.")));
            if (arbitrary.isPresent()) {
                out.add("Floor of a reordered baseline (rule: reordering destroys what the blocks add if the arbitrary-"
                        + "order accuracy is within 5 points of the stem probe or below it). Arbitrary order gives "
                        + f(arbitrary.get()) + " vs the stem probe's " + f(stem.get()) + (arbitrary.get() <= stem.get() + 5
                        ? ": reordering undoes about all the blocks add, as in the paper; what remains is what the stem "
                                + "and head give on this data set, where ImageNet's stem gives next to nothing (paper: "
                                + "0.13 %)."
                        : ": the reordered blocks still add " + f(arbitrary.get() - stem.get()).replace(" %", " points")
                                + " over the stem, so they work partly in any order."));
            }
        }
        var rb = m.stat(BASELINE, Measurements.UPDATE_RATIO_MEAN).map(Stat::mean);
        var rl = m.stat(LAYERSHUFFLE, Measurements.UPDATE_RATIO_MEAN).map(Stat::mean);
        if (rb.isPresent()) {
            out.add(String.format(Locale.ROOT, "Size of a block's update (rule: small if the mean ||f(z)|| / ||z|| is "
                    + "below 0.5). Baseline blocks change the residual stream by %.2f of its norm%s%s", rb.get(),
                    rl.map(v -> String.format(Locale.ROOT, ", LayerShuffle's by %.2f", v)).orElse(""), rb.get() < 0.5
                            ? ": small corrections, so a block in a foreign slot perturbs the stream only a little, "
                                    + "which is consistent with a baseline that survives reordering."
                            : ": large updates, so a block in a foreign slot changes the stream a lot."));
        }
        var merged = pct(BASELINE, Measurements.MERGED_SEQUENTIAL);
        var moved = m.stat(BASELINE, Measurements.DIVERGENCE_MEAN).map(Stat::mean);
        var disagree = pct(BASELINE, Measurements.DISAGREEMENT);
        if (merged.isPresent() && full.isPresent() && moved.isPresent() && disagree.isPresent()) {
            boolean collapse = merged.get() < full.get() - Rules.MERGE_COLLAPSE_POINTS;
            out.add("Merged baselines (rule: collapse if merges fall more than 5 points below the single models). "
                    + "Merges give " + f(merged.get()) + " vs " + f(full.get()) + " for single models (paper: 1.87 % vs "
                    + "82.61 %). The " + s.models(BASELINE) + " baseline fine-tunes moved " + String.format(Locale.ROOT,
                    "%.3f", moved.get()) + " (relative L2 of a block from the base's, mean) and two of them disagree "
                    + "on " + f(disagree.get()) + " of the test images" + (collapse
                    ? ": they moved far enough apart that their blocks are no longer interchangeable, as in the paper."
                    : ": they stayed close to their common base, so their blocks are nearly interchangeable and a "
                            + "merge is close to one model; the paper does not report this distance for its models."));
        }
        long images = s.trainImages() == Integer.MAX_VALUE ? 0 : s.trainImages();
        long steps = s.fineTuneEpochs() * ((images + s.batchSize() - 1) / s.batchSize());
        if (steps > 0) {
            out.add(String.format(Locale.ROOT, "Fine-tuning length (a fact, no rule). Each model was fine-tuned for "
                    + "%,d steps of %d images; the paper's 20 ImageNet epochs at batch 128 are about %,d steps, %.0fx "
                    + "more. Shorter fine-tuning leaves the fine-tunes closer to the base (see the divergence) and "
                    + "gives a slot predictor fewer steps to learn.", steps, s.batchSize(), PAPER_FINE_TUNING_STEPS,
                    (double) PAPER_FINE_TUNING_STEPS / steps));
        }
        var exact = pct(LAYERSHUFFLE_PREDICT, Measurements.POSITION_ARBITRARY);
        var near = pct(LAYERSHUFFLE_PREDICT, Measurements.POSITION_WITHIN_ONE);
        if (exact.isPresent() && near.isPresent()) {
            double misses = 100 - exact.get();
            double neighbours = misses <= 0 ? 0 : 100 * (near.get() - exact.get()) / misses;
            out.add("Slot prediction (rule: the errors are mostly a neighbouring slot if more than half of the misses "
                    + "are one slot off). LayerShuffle-predict names its slot in " + f(exact.get()) + " of cases (paper "
                    + "99.99 %), within ±1 slot in " + f(near.get()) + ": " + f(neighbours) + " of its misses are one "
                    + "slot off" + (neighbours > 50
                    ? ", so it mostly confuses neighbouring slots, whose inputs look alike; the confusion matrix above "
                            + "shows where."
                    : ", so its misses are not mostly neighbours: it has not learnt the slots (see the fine-tuning "
                            + "length)."));
        }
        Optional<Stat> pos = m.stat(LAYERSHUFFLE_POSITION, Measurements.ARBITRARY);
        Optional<Stat> ls = m.stat(LAYERSHUFFLE, Measurements.ARBITRARY);
        if (pos.isPresent() && ls.isPresent()) {
            double d = 100 * (pos.get().mean() - ls.get().mean());
            double noise = Rules.noisePoints(pos.get(), ls.get());
            out.add(String.format(Locale.ROOT, "Slot embedding (rule: a difference within twice the larger seed std is"
                    + " noise). LayerShuffle-position minus LayerShuffle in arbitrary order: %s, twice the "
                    + "larger std %.1f points: %s (paper: +0.8 points).", Rules.signed(d), noise, Math.abs(d) <= noise
                    ? "within noise" : d > 0 ? "a gain beyond noise" : "a loss beyond noise"));
        }
        for (int k : s.controlDepths()) {
            var control = pct(BASELINE, Measurements.control(k));
            var drop = pct(LAYERDROP, Measurements.keep(k, false));
            var shuffle = pct(LAYERSHUFFLE, Measurements.keep(k, false));
            if (control.isPresent() && drop.isPresent() && shuffle.isPresent()) {
                String ours = "Refined with " + k + " blocks: " + f(control.get()) + "; LayerDrop's first " + k + ": "
                        + f(drop.get()) + "; LayerShuffle's: " + f(shuffle.get());
                if (2 * k <= depth) {
                    boolean better = control.get() > Math.max(drop.get(), shuffle.get());
                    out.add("Control of " + k + " blocks (paper Fig. 1b: models refined with only 3 or 6 of 12 layers "
                            + "beat LayerDrop and LayerShuffle pruned to as many). " + ours
                            + (better ? " — agrees." : " — does not agree."));
                } else {
                    boolean similar = Math.abs(control.get() - drop.get()) <= 2;
                    out.add("Control of " + k + " blocks (paper Fig. 1b: with 9 of 12 layers a refined model performs "
                            + "like LayerDrop; rule: within 2 points). " + ours + (similar ? " — agrees." : " — does not "
                            + "agree."));
                }
            }
        }
        return out;
    }
}
