package io.github.layershuffle.cli.report;

import static io.github.layershuffle.api.Variant.BASELINE;
import static io.github.layershuffle.api.Variant.LAYERDROP;
import static io.github.layershuffle.api.Variant.LAYERSHUFFLE;

import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.cli.experiment.Measurements;
import io.github.layershuffle.train.eval.SlotConfusion;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's diagnostics: the base's validation curve, what the stem and a few blocks give, the Fig. 1b
 * controls, each slot's update ratio, how far the fine-tunes moved, the slot confusion of LayerShuffle-predict,
 * and the rules of {@link Differences}.
 */
final class DiagnosticsSection {
    private DiagnosticsSection() {
    }

    static void append(StringBuilder b, ExperimentResult r, String provenance, String curvesImage) {
        ExperimentSettings s = r.settings();
        Measurements m = r.measurements();
        int depth = s.model().depth();
        b.append("## Diagnostics\n\n").append(provenance).append("\n\n");
        b.append("### Base training curve\n\n");
        List<Double> curve = r.validationCurves().get("base");
        if (curve == null || curve.isEmpty()) {
            b.append("No base training ran (imported weights, or not finished).\n\n");
        } else {
            b.append("| epoch |");
            for (int e = 1; e <= curve.size(); e++) {
                b.append(" ").append(e).append(" |");
            }
            b.append("\n|---|").append("---|".repeat(curve.size())).append("\n| validation accuracy |");
            curve.forEach(v -> b.append(String.format(Locale.ROOT, " %.2f |", 100 * v)));
            b.append("\n\n");
            b.append(plateau(curve, r.bestEpochs().get("base")));
        }
        b.append(curvesImage);

        b.append("### Depth: the stem alone, 1 and 2 blocks, and the controls\n\n");
        b.append("The stem probe: a linear read-out (multinomial logistic regression, plain Java) of the class from "
                + "the stem's tokens (mean over tokens), no block run, fitted on ").append(s.diagnosticImages())
                .append(" training images and scored on as many test images.\n\n");
        b.append("| method | stem probe | chance | 1 block, in order | 1 block, random | 2 blocks, in order | "
                + "2 blocks, random | all ").append(depth).append(", in order |\n|---|---|---|---|---|---|---|---|\n");
        for (Variant v : s.methods()) {
            b.append("| ").append(v.id());
            for (String metric : List.of(Measurements.STEM_PROBE, Measurements.STEM_PROBE_CHANCE,
                    Measurements.keep(1, false), Measurements.keep(1, true), Measurements.keep(2, false),
                    Measurements.keep(2, true), Measurements.SEQUENTIAL)) {
                b.append(" | ").append(ResultsReport.cell(m, v, metric));
            }
            b.append(" |\n");
        }
        b.append("\n");
        if (!s.controlDepths().isEmpty()) {
            b.append("Fig. 1b's controls: the base's first k blocks (stem and head kept) refined sequentially for ")
                    .append(s.fineTuneEpochs()).append(" epoch(s), as the fine-tunes, against the first k blocks of the "
                            + "full-depth fine-tunes.\n\n| blocks | refined with only k blocks | baseline, first k | "
                            + "LayerDrop, first k | LayerShuffle, first k |\n|---|---|---|---|---|\n");
            for (int k : s.controlDepths()) {
                b.append("| ").append(k).append(" | ").append(ResultsReport.cell(m, BASELINE, Measurements.control(k)))
                        .append(" | ").append(ResultsReport.cell(m, BASELINE, Measurements.keep(k, false)))
                        .append(" | ").append(ResultsReport.cell(m, LAYERDROP, Measurements.keep(k, false)))
                        .append(" | ").append(ResultsReport.cell(m, LAYERSHUFFLE, Measurements.keep(k, false)))
                        .append(" |\n");
            }
            b.append("\n");
        }

        b.append("### Update ratio per slot\n\n`||f(z)|| / ||z||`: how much the block in a slot changes the residual "
                + "stream it receives (0 for a block that is the identity), mean over ").append(s.diagnosticImages())
                .append(" test images, in the method's own order (sequential for baseline and LayerDrop, random for "
                        + "the shuffling methods). Not percentages.\n\n| method | mean |");
        for (int slot = 0; slot < depth; slot++) {
            b.append(" slot ").append(slot).append(" |");
        }
        b.append("\n|---|---|").append("---|".repeat(depth)).append("\n");
        for (Variant v : s.methods()) {
            if (m.values(v, Measurements.UPDATE_RATIO_MEAN).isEmpty()) {
                continue;
            }
            b.append("| ").append(v.id()).append(" | ").append(plain(m, v, Measurements.UPDATE_RATIO_MEAN));
            for (int slot = 0; slot < depth; slot++) {
                b.append(" | ").append(plain(m, v, Measurements.updateRatio(slot)));
            }
            b.append(" |\n");
        }
        b.append("\n");

        b.append("### Divergence among the fine-tunes of one method\n\nRelative L2 distance of each block's weights "
                + "from the base's (`||theta - theta_base|| / ||theta_base||`, not a percentage), and how often two "
                + "fine-tunes of one method predict different classes on the test images (sequential order, every "
                + "pair).\n\n| method | models | distance from base, mean over blocks | disagreement of two fine-tunes "
                + "|\n|---|---|---|---|\n");
        for (Variant v : s.methods()) {
            if (m.values(v, Measurements.DIVERGENCE_MEAN).isEmpty()) {
                continue;
            }
            b.append("| ").append(v.id()).append(" | ").append(m.values(v, Measurements.DIVERGENCE_MEAN).size())
                    .append(" | ").append(plain(m, v, Measurements.DIVERGENCE_MEAN)).append(" | ")
                    .append(ResultsReport.cell(m, v, Measurements.DISAGREEMENT)).append(" |\n");
        }
        b.append("\n");

        for (Map.Entry<Variant, SlotConfusion> e : r.slotConfusions().entrySet()) {
            SlotConfusion c = e.getValue();
            b.append("### ").append(e.getKey().id()).append(": predicted vs actual slot\n\nRandom order, ")
                    .append(s.diagnosticImages()).append(" test images, summed over the seeds; each row (actual slot) "
                            + "in % of its pairs. Exact: ").append(String.format(Locale.ROOT, "%.2f %%", 100 * c.accuracy()))
                    .append(", within ±1 slot: ").append(String.format(Locale.ROOT, "%.2f %%", 100 * c.withinOne()))
                    .append(".\n\n| actual \\ predicted |");
            for (int p = 0; p < c.slots(); p++) {
                b.append(" ").append(p).append(" |");
            }
            b.append("\n|---|").append("---|".repeat(c.slots())).append("\n");
            long[][] counts = c.counts();
            for (int a = 0; a < c.slots(); a++) {
                long total = java.util.Arrays.stream(counts[a]).sum();
                b.append("| ").append(a).append(" |");
                for (int p = 0; p < c.slots(); p++) {
                    b.append(String.format(Locale.ROOT, " %.0f |", total == 0 ? 0 : 100.0 * counts[a][p] / total));
                }
                b.append("\n");
            }
            b.append("\n");
            appendPositionCurve(b, r, e.getKey());
        }

        b.append("## Why we differ from the paper\n\nEach point reads the diagnostics above; its rule is stated in it.\n\n");
        List<String> reasons = new Differences(r).reasons();
        if (reasons.isEmpty()) {
            b.append("- Not enough finished units to compare yet.\n");
        }
        reasons.forEach(x -> b.append("- ").append(x).append("\n"));
        b.append("\n");
    }

    /**
     * The base's plateau reading. Rule: it plateaued if its validation loss stopped falling before the last epoch
     * (the kept checkpoint, lowest validation loss, is an earlier epoch's: more epochs fitted the training images
     * only), or if its validation accuracy gained less than 0.5 points over the last 3 epochs. Under a cosine
     * schedule the last epochs run at a learning rate near 0, so the accuracy's gain there alone cannot tell.
     */
    static String plateau(List<Double> curve, Integer bestEpoch) {
        int epochs = curve.size();
        int last = Math.min(3, epochs - 1);
        if (last < 1) {
            return "";
        }
        double gain = 100 * (curve.get(epochs - 1) - curve.get(epochs - 1 - last));
        boolean lossStopped = bestEpoch != null && bestEpoch >= 1 && bestEpoch < epochs;
        boolean flat = gain < 0.5 && last == 3;
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "Over its last %d epochs the base gained %+.2f "
                + "points of validation accuracy", last, gain));
        if (bestEpoch != null) {
            b.append(String.format(Locale.ROOT, "; its validation loss was lowest at epoch %d of %d, the checkpoint the "
                    + "fine-tunes start from (%.2f %%)", bestEpoch, epochs, 100 * curve.get(bestEpoch - 1)));
        }
        b.append(": ").append(lossStopped || flat ? "it plateaued" : "it had not plateaued yet").append(" (rule: a "
                + "plateau is a validation loss that stopped falling before the last epoch, or a gain below 0.5 points "
                + "over the last 3 epochs).\n\n");
        return b.toString();
    }

    /**
     * The predictor's learning curve: per fine-tuning epoch, the validation pairs whose slot it named, mean over
     * {@code method}'s seeds, and the gain of the last epoch (rule: still learning if it gained at least 1 point).
     */
    static void appendPositionCurve(StringBuilder b, ExperimentResult r, Variant method) {
        List<List<Double>> runs = new java.util.ArrayList<>();
        r.positionCurves().forEach((run, curve) -> {
            if (ExperimentResult.methodOf(run) == method) {
                runs.add(curve);
            }
        });
        int epochs = runs.stream().mapToInt(List::size).min().orElse(0);
        if (epochs == 0) {
            return;
        }
        double[] mean = new double[epochs];
        for (List<Double> c : runs) {
            for (int e = 0; e < epochs; e++) {
                mean[e] += c.get(e) / runs.size();
            }
        }
        b.append("How far the predictor got: validation pairs whose slot it named after each fine-tuning epoch, mean "
                + "over ").append(runs.size()).append(" seed(s).\n\n| epoch |");
        for (int e = 1; e <= epochs; e++) {
            b.append(" ").append(e).append(" |");
        }
        b.append("\n|---|").append("---|".repeat(epochs)).append("\n| slot named |");
        for (double v : mean) {
            b.append(String.format(Locale.ROOT, " %.1f %% |", 100 * v));
        }
        b.append("\n\n");
        if (epochs > 1) {
            double gain = 100 * (mean[epochs - 1] - mean[epochs - 2]);
            b.append(String.format(Locale.ROOT, "Its last epoch gained %s: %s (rule: still learning if the last "
                    + "epoch gained at least 1 point).%n%n", Rules.signed(gain),
                    gain >= 1 ? "it was still learning when fine-tuning stopped"
                            : "it had about stopped learning by the end of its schedule"));
        }
    }

    /** A value that is no accuracy: mean ± std with 3 decimals. */
    private static String plain(Measurements m, Variant v, String metric) {
        return m.stat(v, metric).map(st -> st.count() == 1 ? String.format(Locale.ROOT, "%.3f", st.mean())
                : String.format(Locale.ROOT, "%.3f ± %.3f", st.mean(), st.std())).orElse("—");
    }
}
