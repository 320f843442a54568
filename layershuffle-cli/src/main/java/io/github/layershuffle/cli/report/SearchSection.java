package io.github.layershuffle.cli.report;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.cli.experiment.Measurements;
import io.github.layershuffle.cli.experiment.SearchSettings;
import io.github.layershuffle.cli.search.BlockRef;
import io.github.layershuffle.cli.search.SearchComparison;
import io.github.layershuffle.cli.search.SearchOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The report's recipe-search section (issue 16): per searched method the recipe found for each budget, its
 * validation and test accuracy beside the fixed policies of as many blocks, and by how much it beats the best of
 * them on test; with a figure per method (accuracy vs blocks and vs measured latency).
 */
final class SearchSection {
    /** The header of the section's table; {@code ReportChecks} finds it by this. */
    static final String TABLE_HEADER = "| method | blocks | searched, validation | searched, test |";

    private SearchSection() {
    }

    /** The rows of a method's search, rebuilt from the measurements (model seed s is source s - 1). */
    static List<SearchComparison> rows(ExperimentResult r, Variant v) {
        Measurements m = r.measurements();
        List<SearchComparison> rows = new ArrayList<>();
        for (ExperimentResult.SearchBudget b : r.searches().get(v).budgets()) {
            int k = b.budget();
            List<BlockRef> recipe = b.recipe().stream().map(s -> new BlockRef(s.seed() - 1, s.block())).toList();
            rows.add(new SearchComparison(k, recipe, first(m, v, k, Measurements.SEARCH_VALIDATION),
                    first(m, v, k, Measurements.SEARCH_TEST),
                    m.values(v, Measurements.search(k, Measurements.SEARCH_SEQUENTIAL_KEEP)),
                    m.values(v, Measurements.search(k, Measurements.SEARCH_RANDOM_KEEP)),
                    m.values(v, Measurements.search(k, Measurements.SEARCH_RANDOM_MERGE)),
                    first(m, v, k, Measurements.SEARCH_LATENCY_MS),
                    first(m, v, k, Measurements.SEARCH_SEQUENTIAL_LATENCY_MS)));
        }
        return rows;
    }

    private static double first(Measurements m, Variant v, int k, String suffix) {
        List<Double> values = m.values(v, Measurements.search(k, suffix));
        return values.isEmpty() ? Double.NaN : values.get(0);
    }

    /**
     * Draws {@code figures/search-<method>.png} for every searched method.
     *
     * @throws LayerShuffleException if a figure cannot be written
     */
    static List<Path> figures(ExperimentResult r, Path figures) {
        List<Path> written = new ArrayList<>();
        for (Variant v : r.settings().mergeMethods()) {
            if (!r.searches().containsKey(v)) {
                continue;
            }
            Path png = figures.resolve("search-" + v.id() + ".png");
            try {
                Files.createDirectories(figures);
                SearchOutput.chart(rows(r, v), png, v.id());
            } catch (IOException e) {
                throw new LayerShuffleException("cannot write " + png + ": " + e.getMessage(), e);
            }
            written.add(png);
        }
        return written;
    }

    static void append(StringBuilder b, ExperimentResult r, String provenance, Function<String, String> image) {
        ExperimentSettings s = r.settings();
        SearchSettings q = s.search();
        if (!q.enabled()) {
            return;
        }
        Measurements m = r.measurements();
        b.append("## Search: the best recipe of k blocks from a method's models (issue 16)\n\n").append(provenance)
                .append("\n\n");
        if (r.searches().isEmpty()) {
            b.append("No search unit has finished yet.\n\n");
            return;
        }
        ExperimentResult.SearchRun any = r.searches().values().iterator().next();
        b.append(String.format(Locale.ROOT, "For each merge method, a genetic algorithm (Jenetics, population %d, "
                + "no block twice in a recipe) searched which k blocks of the method's fine-tuned models run, in which "
                + "order, each from which model, for the best accuracy on %,d validation images (a seeded subset of "
                + "the validation split), measured through ONNX Runtime; at most %d recipes or %d s per budget. The "
                + "recipes found were then measured once on the %,d test images, which the search never saw, beside "
                + "the fixed policies of as many blocks: `sequential().keep(k)` (one value per model), "
                + "`random().keep(k)` (%d seeds per model, a fresh plan per batch) and %d random merges (k distinct "
                + "block indices in random order, each from a random model). Every row runs on the stem and head of "
                + "model 1 (seed 1), the searched recipes and the fixed policies alike, so rows differ only in the "
                + "blocks run. *Best fixed* is the higher mean of the two policies; *margin* is searched minus best "
                + "fixed, in points. Recipes read `s<seed>/b<block>` in execution order; the recipe files "
                + "(loadable by `LayerShuffleModel.compose`) are in the run directory's `search/<method>/`.%n%n",
                q.population(), any.validationImages(), q.evaluations(), q.seconds(), any.testImages(), q.rounds(),
                q.rounds()));
        b.append(TABLE_HEADER).append(" sequential().keep(k) | random().keep(k) | random merges | best fixed | "
                + "margin | recipes measured | ms/image | recipe |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        List<String> sentences = new ArrayList<>();
        for (Map.Entry<Variant, ExperimentResult.SearchRun> e : ordered(r)) {
            Variant v = e.getKey();
            List<SearchComparison> rows = rows(r, v);
            for (int i = 0; i < rows.size(); i++) {
                SearchComparison c = rows.get(i);
                ExperimentResult.SearchBudget sb = e.getValue().budgets().get(i);
                int k = c.budget();
                String recipe = String.join(" ", sb.recipe().stream().map(ExperimentResult.Slot::toString).toList());
                double best = c.bestFixed();
                double margin = 100 * (c.test() - best);
                String bestName = best == c.sequentialStat().map(st -> st.mean()).orElse(Double.NaN)
                        ? "sequential().keep(" + k + ")" : "random().keep(" + k + ")";
                b.append("| ").append(v.id()).append(" | ").append(k);
                for (String suffix : List.of(Measurements.SEARCH_VALIDATION, Measurements.SEARCH_TEST,
                        Measurements.SEARCH_SEQUENTIAL_KEEP, Measurements.SEARCH_RANDOM_KEEP,
                        Measurements.SEARCH_RANDOM_MERGE)) {
                    b.append(" | ").append(ResultsReport.cell(m, v, Measurements.search(k, suffix)));
                }
                b.append(String.format(Locale.ROOT, " | %.2f | %+.2f | %d%s | %.3f | %s |%n", 100 * best, margin,
                        sb.evaluations(), sb.stoppedBy().equals("time") ? ", stopped by time" : "", c.latencyMs(),
                        recipe));
                sentences.add(String.format(Locale.ROOT, "%s, k = %d: `%s` reaches %.2f %% on test (%.2f %% on "
                        + "validation), %s the best fixed policy, %s at %.2f %% (margin %+.2f points).", v.id(), k, recipe,
                        100 * c.test(), 100 * c.validation(), margin > 0 ? "beating" : margin < 0 ? "behind" : "level with",
                        bestName, 100 * best, margin));
            }
        }
        b.append("\n");
        sentences.forEach(t -> b.append("- ").append(t).append("\n"));
        b.append("\nms/image: the median wall time of the composed recipe on one image (batch 1) on the machine "
                + "above, while it ran other work; the figure's right panel sets it beside model 1's "
                + "`sequential().keep(k)`. The search's own time per budget is in the unit's result file.\n\n");
        for (Map.Entry<Variant, ExperimentResult.SearchRun> e : ordered(r)) {
            b.append(image.apply("search-" + e.getKey().id() + ".png"));
        }
    }

    private static List<Map.Entry<Variant, ExperimentResult.SearchRun>> ordered(ExperimentResult r) {
        List<Map.Entry<Variant, ExperimentResult.SearchRun>> out = new ArrayList<>();
        for (Variant v : r.settings().mergeMethods()) {
            ExperimentResult.SearchRun run = r.searches().get(v);
            if (run != null) {
                out.add(Map.entry(v, run));
            }
        }
        return out;
    }
}
