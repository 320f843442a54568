package io.github.layershuffle.cli;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.cli.eval.OrtEvaluation;
import io.github.layershuffle.onnx.runtime.Composer;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.eval.EvaluationListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The demo's contrast: a baseline and a LayerShuffle model, fine-tuned from one sequential base, side by side
 * under the same plans on ONNX Runtime: in order, in a random order per batch, reversed, pruned to half, and, when
 * two models of each method are given, as a Frankenstein whose slots alternate between them.
 *
 * <p>Both columns of a row run the same plans: batch {@code b} runs pass {@code b} of the row's policy seeded
 * with the same seed, so the row's first plan is the first plan of both.
 */
final class DemoTable {
    /** The baseline's and the LayerShuffle model's exports (one model each, or two each for a Frankenstein). */
    record Models(List<LayerShuffleModel> baseline, List<LayerShuffleModel> layerShuffle) {
        Models {
            baseline = List.copyOf(baseline);
            layerShuffle = List.copyOf(layerShuffle);
            if (baseline.isEmpty() || baseline.size() != layerShuffle.size() || baseline.size() > 2) {
                throw new IllegalArgumentException("the demo compares one or two models per method, got "
                        + baseline.size() + " baseline and " + layerShuffle.size() + " LayerShuffle model(s)");
            }
            int depth = baseline.get(0).size();
            for (LayerShuffleModel m : concat(baseline, layerShuffle)) {
                if (m.size() != depth) {
                    throw new IllegalArgumentException("the demo's models must have one depth, got " + m.size()
                            + " and " + depth + " blocks");
                }
            }
        }

        int depth() {
            return baseline.get(0).size();
        }

        boolean frankenstein() {
            return baseline.size() == 2;
        }
    }

    /**
     * A row: a policy, run on each method's first model or, for a Frankenstein row, on the model whose slot
     * {@code i} is block {@code i} of the first model when {@code i} is even and of the second when odd.
     */
    record Row(String name, ExecutionPolicy policy, boolean frankenstein) {
    }

    /** A measured row: both models' top-1 and the plan of the first batch. */
    record Result(Row row, ExecutionPlan firstPlan, double baseline, double layerShuffle) {
        /** How far each method falls from its own accuracy in order. */
        double drop(double inOrder, boolean ofLayerShuffle) {
            return inOrder - (ofLayerShuffle ? layerShuffle : baseline);
        }
    }

    private DemoTable() {
    }

    /** The rows for models of {@code depth} blocks, Frankenstein rows included when asked. */
    static List<Row> rows(int depth, boolean frankenstein) {
        if (depth < 2) {
            throw new IllegalArgumentException("the demo needs at least 2 blocks to shuffle, got " + depth);
        }
        int half = depth / 2;
        List<Row> rows = new ArrayList<>(List.of(
                new Row("in order", ExecutionPolicy.sequential(), false),
                new Row("random order", ExecutionPolicy.random(), false),
                new Row("reversed", ExecutionPolicy.reversed(), false),
                new Row("pruned: first " + blocks(half) + ", in order", ExecutionPolicy.sequential().keep(half), false),
                new Row("pruned: " + half + " random " + (half == 1 ? "block" : "blocks") + ", random order", ExecutionPolicy.random().keep(half), false)));
        if (frankenstein) {
            rows.add(new Row("Frankenstein of 2 models, in order", ExecutionPolicy.sequential(), true));
            rows.add(new Row("Frankenstein of 2 models, random order", ExecutionPolicy.random(), true));
        }
        return rows;
    }

    /**
     * The two-model Frankenstein of {@code a} and {@code b}: {@code a}'s stem and head, slot {@code i} block
     * {@code i} of {@code a} when {@code i} is even, of {@code b} when odd. The caller closes it; it shares the
     * sessions of {@code a} and {@code b}.
     */
    static LayerShuffleModel frankenstein(LayerShuffleModel a, LayerShuffleModel b) {
        Composer c = LayerShuffleModel.compose().stem(a).head(a);
        for (int i = 0; i < a.size(); i++) {
            c.slot(i % 2 == 0 ? a : b, i);
        }
        return c.build();
    }

    /**
     * Measures every row on {@code test}: batch {@code b} of a row runs pass {@code b} of its policy seeded with
     * {@code seed}, on both methods.
     *
     * @throws IllegalArgumentException if a Frankenstein row is asked of single models, or the images do not fit
     */
    static List<Result> measure(Models models, List<Row> rows, ImageDataset test, long seed, int batchSize,
                                EvaluationListener listener) {
        Objects.requireNonNull(listener, "listener");
        List<Result> results = new ArrayList<>();
        LayerShuffleModel baselineMix = null;
        LayerShuffleModel layerShuffleMix = null;
        try {
            for (Row row : rows) {
                LayerShuffleModel baseline = models.baseline().get(0);
                LayerShuffleModel layerShuffle = models.layerShuffle().get(0);
                if (row.frankenstein()) {
                    if (!models.frankenstein()) {
                        throw new IllegalArgumentException("row '" + row.name() + "' needs two models per method");
                    }
                    if (baselineMix == null) {
                        baselineMix = frankenstein(models.baseline().get(0), models.baseline().get(1));
                        layerShuffleMix = frankenstein(models.layerShuffle().get(0), models.layerShuffle().get(1));
                    }
                    baseline = baselineMix;
                    layerShuffle = layerShuffleMix;
                }
                double b = OrtEvaluation.evaluate(baseline, test, row.policy(), seed, batchSize,
                        named(listener, "baseline, " + row.name())).top1();
                double s = OrtEvaluation.evaluate(layerShuffle, test, row.policy(), seed, batchSize,
                        named(listener, "LayerShuffle, " + row.name())).top1();
                results.add(new Result(row, row.policy().seeded(seed).planForPass(models.depth(), 0), b, s));
            }
        } finally {
            if (baselineMix != null) {
                baselineMix.close();
                layerShuffleMix.close();
            }
        }
        return results;
    }

    /**
     * The table: a row per result, the baseline and LayerShuffle top-1 side by side, each with its drop from
     * its own accuracy in order (the first row), and the first plan.
     */
    static Table table(List<Result> results, int images) {
        Table t = new Table("test accuracy on " + images + " images, exported blocks on ONNX Runtime (top-1; in "
                + "brackets: change from in order)", "blocks run", "baseline", "LayerShuffle", "first plan");
        Result first = results.get(0);
        for (Result r : results) {
            boolean same = r == first;
            t.row(r.row().name(), cell(r.baseline(), same ? Double.NaN : r.baseline() - first.baseline()),
                    cell(r.layerShuffle(), same ? Double.NaN : r.layerShuffle() - first.layerShuffle()),
                    (r.row().frankenstein() ? "slots " : "") + r.firstPlan());
        }
        return t;
    }

    private static String blocks(int n) {
        return n == 1 ? "block" : n + " blocks";
    }

    private static String cell(double top1, double change) {
        if (Double.isNaN(change)) {
            return String.format(Locale.ROOT, "%.2f %%", 100 * top1);
        }
        // a change that rounds to zero is shown without a sign, not as "-0.0"
        return Math.abs(100 * change) < 0.05 ? String.format(Locale.ROOT, "%.2f %% (0.0)", 100 * top1)
                : String.format(Locale.ROOT, "%.2f %% (%+.1f)", 100 * top1, 100 * change);
    }

    private static EvaluationListener named(EvaluationListener listener, String name) {
        return (ignored, done, total) -> listener.progress(name, done, total);
    }

    private static List<LayerShuffleModel> concat(List<LayerShuffleModel> a, List<LayerShuffleModel> b) {
        List<LayerShuffleModel> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
