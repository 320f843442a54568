package io.github.layershuffle.cli.experiment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.search.BlockRef;
import io.github.layershuffle.cli.search.RecipeEvaluator;
import io.github.layershuffle.cli.search.RecipeSearch;
import io.github.layershuffle.cli.search.SearchComparison;
import io.github.layershuffle.cli.search.SearchOutput;
import io.github.layershuffle.cli.search.SearchResult;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.Manifest;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.ImageDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recipe-search unit of a merge method (issue 16): export its fine-tuned models where not exported yet, search
 * for each budget the best recipe on validation images, then measure the recipes found and the fixed policies on
 * the test images, which the search never saw. Its result holds the numbers as {@code values} (so the summary and
 * the report read them like any other metric, see {@link Measurements#search(int, String)}) and the recipes.
 */
final class SearchUnits {
    private static final Logger LOG = LoggerFactory.getLogger(SearchUnits.class);
    /** Seed of the validation subset the search optimises on (the experiment's subsets use 1 to 3). */
    static final long VALIDATION_SAMPLE_SEED = 4;

    private final ExperimentSettings s;
    private final RunDirectory dir;
    private final DatasetSplits data;
    private final ExperimentListener listener;
    private final Units units;

    SearchUnits(ExperimentSettings settings, RunDirectory dir, DatasetSplits data, ExperimentListener listener,
                Units units) {
        this.s = settings;
        this.dir = dir;
        this.data = data;
        this.listener = listener;
        this.units = units;
    }

    /** The method's export of seed {@code seed}, exported now if no complete export is there. */
    private Path export(Variant method, int seed) {
        Path out = dir.export(method, seed);
        if (Files.isRegularFile(out.resolve(Manifest.FILE_NAME))) {
            return out; // exports are renamed into place only when complete
        }
        return OnnxExporter.builder().optOverwrite(true).build().export(units.checkpoint(method, seed), out);
    }

    ObjectNode search(Variant method) {
        SearchSettings q = s.search();
        List<Path> exports = new ArrayList<>();
        for (int seed = 1; seed <= s.models(method); seed++) {
            exports.add(export(method, seed));
        }
        ImageDataset validation = data.validation().count() > q.images()
                ? data.validation().sample(q.images(), VALIDATION_SAMPLE_SEED) : data.validation();
        RuntimeOptions runtime = RuntimeOptions.defaults();
        RecipeEvaluator.Options options = new RecipeEvaluator.Options(s.evalBatchSize(),
                RecipeEvaluator.Options.DEFAULT_CACHE_BYTES, true, true, runtime);
        List<SearchResult> results;
        try (RecipeEvaluator eval = RecipeEvaluator.open(exports, validation, options)) {
            results = RecipeSearch.builder().setEvaluator(eval).setBudgets(q.budgets()).optPopulation(q.population())
                    .optMaxEvaluations(q.evaluations()).optMaxTime(Duration.ofSeconds(q.seconds())).optSeed(0)
                    .optListener(listener.search()).build().run();
        }
        List<SearchComparison> rows;
        try (RecipeEvaluator testEval = RecipeEvaluator.open(exports, data.test(), options)) {
            rows = SearchComparison.measure(results, testEval, data.test(), runtime, q.rounds(), 0,
                    s.evalBatchSize(), listener.evaluation());
        }
        SearchOutput.write(dir.search(method), exports, rows, "experiment unit search-" + method.id() + " (preset "
                + s.preset() + ")", "see the experiment's report", LocalDate.now().toString());
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        ObjectNode values = r.putObject("values");
        ArrayNode budgets = r.putArray("budgets");
        for (int i = 0; i < rows.size(); i++) {
            SearchComparison c = rows.get(i);
            SearchResult found = results.get(i);
            int k = c.budget();
            values.putArray(Measurements.search(k, Measurements.SEARCH_VALIDATION)).add(c.validation());
            values.putArray(Measurements.search(k, Measurements.SEARCH_TEST)).add(c.test());
            c.sequential().forEach(values.putArray(Measurements.search(k, Measurements.SEARCH_SEQUENTIAL_KEEP))::add);
            c.random().forEach(values.putArray(Measurements.search(k, Measurements.SEARCH_RANDOM_KEEP))::add);
            c.merges().forEach(values.putArray(Measurements.search(k, Measurements.SEARCH_RANDOM_MERGE))::add);
            values.putArray(Measurements.search(k, Measurements.SEARCH_LATENCY_MS)).add(c.latencyMs());
            if (Double.isFinite(c.fixedLatencyMs())) {
                values.putArray(Measurements.search(k, Measurements.SEARCH_SEQUENTIAL_LATENCY_MS)).add(c.fixedLatencyMs());
            }
            ObjectNode b = budgets.addObject();
            b.put("budget", k);
            ArrayNode recipe = b.putArray("recipe");
            for (BlockRef ref : c.recipe()) {
                recipe.addObject().put("seed", ref.source() + 1).put("block", ref.block());
            }
            b.put("evaluations", found.evaluations());
            b.put("generations", found.generations());
            b.put("searchSeconds", found.seconds());
            b.put("stoppedBy", found.evaluations() >= q.evaluations() ? "evaluations" : "time");
            b.put("recipeFile", SearchOutput.recipeFile(dir.search(method), k).toString());
            LOG.info("search {} k={}: validation {} test {} after {} recipes: {}", method.id(), k, c.validation(),
                    c.test(), found.evaluations(), c.recipe());
        }
        r.put("models", exports.size());
        r.put("stemAndHead", exports.get(0).toString());
        r.put("validationImages", validation.count());
        r.put("testImages", data.test().count());
        return r;
    }
}
