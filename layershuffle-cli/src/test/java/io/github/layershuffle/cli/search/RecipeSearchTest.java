package io.github.layershuffle.cli.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.github.layershuffle.api.IncompatibleBlocksException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.Composer;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.model.TestModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RecipeSearchTest {
    private static final int IMAGES = 120;
    private static final int BATCH = 50; // batches of 50, 50 and 20
    private static final List<BlockRef> TARGET = List.of(new BlockRef(2, 1), new BlockRef(0, 2), new BlockRef(1, 0));
    private static final BlockRef HURTS = new BlockRef(1, 2);

    @TempDir
    Path dir;

    /** Three exports of one family; block 2 of export 1 has its weights scaled up 40x, which wrecks the tokens. */
    private List<Path> family(Variant variant) {
        ModelConfig config = TestModels.tiny(variant);
        List<Path> exports = new ArrayList<>();
        for (int s = 0; s < 3; s++) {
            Checkpoint c = TestModels.randomCheckpoint(config, 100 + s);
            if (s == HURTS.source()) {
                Map<String, Tensor> t = new LinkedHashMap<>(c.tensors());
                t.replaceAll((name, tensor) -> name.startsWith("blocks." + HURTS.block() + ".")
                        && name.endsWith(".weight") && !name.contains("norm") ? scaled(tensor, 40) : tensor);
                c = new Checkpoint(config, c.family(), c.metadata(), t);
            }
            exports.add(OnnxExporter.create().export(c, dir.resolve("export-" + s)));
        }
        return exports;
    }

    private static Tensor scaled(Tensor t, float factor) {
        float[] d = t.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] *= factor;
        }
        return new Tensor(t.name(), t.shape(), d);
    }

    private static float[][][][] pixels(ModelConfig c, float[] flat, int from, int to) {
        int size = c.imageSize();
        float[][][][] px = new float[to - from][c.channels()][size][size];
        int k = from * c.channels() * size * size;
        for (float[][][] image : px) {
            for (float[][] channel : image) {
                for (float[] row : channel) {
                    System.arraycopy(flat, k, row, 0, size);
                    k += size;
                }
            }
        }
        return px;
    }

    /** The logits of {@code recipe} composed as a host app would, batch by batch as the evaluator runs. */
    private static float[][] composedLogits(List<Path> exports, List<BlockRef> recipe, ModelConfig c, float[] flat) {
        Composer composer = LayerShuffleModel.compose().stem(exports.get(0)).head(exports.get(0));
        recipe.forEach(r -> composer.slot(exports.get(r.source()), r.block()));
        float[][] all = new float[IMAGES][];
        try (LayerShuffleModel m = composer.build()) {
            for (int from = 0; from < IMAGES; from += BATCH) {
                int to = Math.min(IMAGES, from + BATCH);
                float[][] logits = m.predict(pixels(c, flat, from, to)).logits();
                System.arraycopy(logits, 0, all, from, logits.length);
            }
        }
        return all;
    }

    /** Images labelled by the target recipe's own predictions: that recipe, and only it, scores 100%. */
    private ImageDataset labelledByTarget(List<Path> exports, ModelConfig c) {
        float[] flat = TestModels.randomPixels(c, IMAGES, 7);
        float[][] logits = composedLogits(exports, TARGET, c, flat);
        int[] labels = new int[IMAGES];
        for (int i = 0; i < IMAGES; i++) {
            for (int k = 1; k < logits[i].length; k++) {
                if (logits[i][k] > logits[i][labels[i]]) {
                    labels[i] = k;
                }
            }
        }
        List<String> classes = List.of("a", "b", "c", "d");
        return ImageDataset.of("target-labelled", flat, labels, c.channels(), c.imageSize(), c.imageSize(), classes);
    }

    private static RecipeEvaluator.Options options() {
        RecipeEvaluator.Options d = RecipeEvaluator.Options.defaults();
        return new RecipeEvaluator.Options(BATCH, d.cacheBytes(), true, true, d.runtime());
    }

    @Test
    void findsTheKnownBestRecipeAndAvoidsTheBlockThatHurts() {
        List<Path> exports = family(Variant.BASELINE);
        ModelConfig c = TestModels.tiny(Variant.BASELINE);
        ImageDataset data = labelledByTarget(exports, c);
        try (RecipeEvaluator eval = RecipeEvaluator.open(exports, data, options())) {
            assertThat(eval.evaluate(TARGET).accuracy()).isEqualTo(1.0);
            // the hurting block costs accuracy wherever it goes
            List<BlockRef> withHurt = List.of(TARGET.get(0), HURTS, TARGET.get(2));
            assertThat(eval.evaluate(withHurt).accuracy()).isLessThan(0.9);

            List<SearchResult> results = RecipeSearch.builder().setEvaluator(eval).setBudgets(List.of(3))
                    .optPopulation(20).optMaxEvaluations(250).optSeed(3).build().run();
            SearchResult r = results.get(0);
            assertThat(r.recipe()).isEqualTo(TARGET);
            assertThat(r.validation().accuracy()).isEqualTo(1.0);
            assertThat(r.recipe()).doesNotContain(HURTS);
            // 9 blocks, 3 slots, no repeats: 504 recipes. The search stops after the generation that reached its
            // budget of 250, so it measured at most one population more than that.
            assertThat(r.evaluations()).isBetween(250L, 250L + 20);
            assertThat(r.bestByGeneration()).isSortedAccordingTo(Double::compare);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Variant.class, names = {"BASELINE", "LAYERSHUFFLE_POSITION", "LAYERSHUFFLE_PREDICT"})
    void cachedLogitsAreExactlyTheComposedModelsLogits(Variant variant) {
        List<Path> exports = family(variant);
        ModelConfig c = TestModels.tiny(variant);
        float[] flat = TestModels.randomPixels(c, IMAGES, 7);
        ImageDataset data = ImageDataset.of("random", flat, new int[IMAGES], c.channels(), c.imageSize(),
                c.imageSize(), List.of("a", "b", "c", "d"));
        List<List<BlockRef>> recipes = List.of(
                List.of(new BlockRef(0, 0)),
                List.of(new BlockRef(0, 0), new BlockRef(1, 1)),              // resumes after (0:0)
                List.of(new BlockRef(0, 0), new BlockRef(1, 1), new BlockRef(2, 2)),
                List.of(new BlockRef(2, 2), new BlockRef(1, 1), new BlockRef(0, 0)),
                List.of(new BlockRef(0, 0), new BlockRef(1, 1), new BlockRef(2, 2))); // all from the cache
        try (RecipeEvaluator cached = RecipeEvaluator.open(exports, data, options());
             RecipeEvaluator uncached = RecipeEvaluator.open(exports, data, options().uncached())) {
            for (List<BlockRef> recipe : recipes) {
                float[][] expected = composedLogits(exports, recipe, c, flat);
                float[][] fromCache = cached.logits(recipe);
                float[][] plain = uncached.logits(recipe);
                for (int i = 0; i < IMAGES; i++) {
                    assertArrayEquals(expected[i], fromCache[i], 0f, recipe + " image " + i);
                    assertArrayEquals(expected[i], plain[i], 0f, recipe + " image " + i);
                }
            }
            assertThat(cached.blocksResumed()).isGreaterThan(0);
            assertThat(uncached.blocksResumed()).isZero();
            assertThat(cached.blocksRun()).isLessThan(uncached.blocksRun());
        }
    }

    @Test
    void aMemoizedEvaluationCachesEveryPrefixButTheWholeRecipe() {
        List<Path> exports = family(Variant.BASELINE);
        ModelConfig c = TestModels.tiny(Variant.BASELINE);
        float[] flat = TestModels.randomPixels(c, IMAGES, 11);
        ImageDataset data = ImageDataset.of("random", flat, new int[IMAGES], c.channels(), c.imageSize(),
                c.imageSize(), List.of("a", "b", "c", "d"));
        BlockRef a = new BlockRef(0, 0);
        BlockRef b = new BlockRef(1, 1);
        try (RecipeEvaluator eval = RecipeEvaluator.open(exports, data, options())) {
            eval.evaluate(List.of(a, b, new BlockRef(2, 2)));
            long twoPrefixes = eval.cacheBytes();
            assertThat(twoPrefixes).as("(a) and (a, b), not the whole recipe").isPositive();
            eval.evaluate(List.of(a, b, new BlockRef(2, 0)));
            assertThat(eval.blocksResumed()).as("the second resumes after (a, b)").isEqualTo(2);
            assertThat(eval.blocksRun()).isEqualTo(3 + 1);
            assertThat(eval.cacheBytes()).as("nothing new but a whole recipe").isEqualTo(twoPrefixes);
            // logits() has no memo, so it keeps the tokens after the whole recipe too
            eval.logits(List.of(a, b, new BlockRef(2, 2)));
            assertThat(eval.cacheBytes()).isEqualTo(twoPrefixes / 2 * 3);
        }
    }

    @Test
    void theSearchIsReproducibleFromItsSeed() {
        List<Path> exports = family(Variant.BASELINE);
        ModelConfig c = TestModels.tiny(Variant.BASELINE);
        ImageDataset data = labelledByTarget(exports, c);
        List<SearchResult> first;
        List<SearchResult> second;
        try (RecipeEvaluator eval = RecipeEvaluator.open(exports, data, options())) {
            first = RecipeSearch.builder().setEvaluator(eval).setBudgets(List.of(2, 3)).optPopulation(8)
                    .optMaxEvaluations(30).optSeed(11).build().run();
        }
        try (RecipeEvaluator eval = RecipeEvaluator.open(exports, data, options())) {
            second = RecipeSearch.builder().setEvaluator(eval).setBudgets(List.of(2, 3)).optPopulation(8)
                    .optMaxEvaluations(30).optSeed(11).build().run();
        }
        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i).recipe()).isEqualTo(first.get(i).recipe());
            assertThat(second.get(i).bestByGeneration()).isEqualTo(first.get(i).bestByGeneration());
            assertThat(second.get(i).evaluations()).isEqualTo(first.get(i).evaluations());
        }
    }

    @Test
    void withoutRepeatsNoBlockFillsTwoSlots() {
        List<Path> exports = family(Variant.BASELINE);
        ModelConfig c = TestModels.tiny(Variant.BASELINE);
        ImageDataset data = labelledByTarget(exports, c);
        try (RecipeEvaluator eval = RecipeEvaluator.open(exports, data, options())) {
            RecipeSearch.builder().setEvaluator(eval).setBudgets(List.of(9)).optPopulation(10)
                    .optMaxEvaluations(40).optSeed(5).optListener(new SearchListener() {
                    }).build().run().forEach(r -> assertThat(r.recipe()).doesNotHaveDuplicates().hasSize(9));
            assertThatThrownBy(() -> RecipeSearch.builder().setEvaluator(eval).setBudgets(List.of(10)).build())
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs repeats");
        }
    }

    @Test
    void refusesExportsOfAnotherFamily() {
        List<Path> exports = new ArrayList<>(family(Variant.BASELINE));
        ModelConfig c = TestModels.tiny(Variant.BASELINE);
        Checkpoint other = TestModels.randomCheckpoint(c, 9);
        other = new Checkpoint(c, "another-family", other.metadata(), other.tensors());
        exports.add(OnnxExporter.create().export(other, dir.resolve("stranger")));
        ImageDataset data = ImageDataset.of("random", TestModels.randomPixels(c, 4, 1), new int[4], c.channels(),
                c.imageSize(), c.imageSize(), List.of("a", "b", "c", "d"));
        assertThatThrownBy(() -> RecipeEvaluator.open(exports, data, options()))
                .isInstanceOf(IncompatibleBlocksException.class)
                .hasMessageContaining("stranger").hasMessageContaining("another-family");
    }

    @Test
    void theUncachedRerunMeasuresTheSameRecipes() {
        List<Path> exports = family(Variant.BASELINE);
        ModelConfig c = TestModels.tiny(Variant.BASELINE);
        ImageDataset data = labelledByTarget(exports, c);
        SearchBenchmark.Clock clock = new SearchBenchmark.Clock();
        try (RecipeEvaluator eval = RecipeEvaluator.open(exports, data, options())) {
            RecipeSearch.builder().setEvaluator(eval).setBudgets(List.of(3)).optPopulation(8).optMaxEvaluations(40)
                    .optSeed(2).optListener(clock).build().run();
        }
        SearchBenchmark.Speedup s = SearchBenchmark.uncached(exports, data, options(), 3, 8, false, 2, 20, clock);
        assertThat(s.evaluations()).isGreaterThanOrEqualTo(20);
        assertThat(s.cachedSeconds()).isPositive();
        assertThat(s.uncachedSeconds()).isPositive();
        assertThatThrownBy(() -> SearchBenchmark.uncached(exports, data, options(), 3, 8, false, 2, 10_000, clock))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fewer than 10000");
    }

    /**
     * Regression (issue 16's "noticed"): the fixed policies ran each export with its own stem and head while the
     * searched recipe and the merges ran on the first export's; now every row runs on the first export's.
     */
    @Test
    void everyRowOfTheComparisonRunsOnTheFirstExportsStemAndHead() {
        List<Path> exports = family(Variant.BASELINE);
        ModelConfig c = TestModels.tiny(Variant.BASELINE);
        ImageDataset data = labelledByTarget(exports, c);
        List<BlockRef> firstThreeOfExport2 = List.of(new BlockRef(2, 0), new BlockRef(2, 1), new BlockRef(2, 2));
        try (RecipeEvaluator eval = RecipeEvaluator.open(exports, data, options())) {
            SearchResult found = new SearchResult(3, TARGET, eval.evaluate(TARGET), 1, 1, 0, List.of(1.0));
            SearchComparison row = SearchComparison.measure(List.of(found), eval, data,
                    RecipeEvaluator.Options.defaults().runtime(), 1, 0, BATCH,
                    io.github.layershuffle.train.eval.EvaluationListener.NONE).get(0);
            assertThat(row.test()).isEqualTo(1.0);
            assertThat(row.sequential()).hasSize(3);
            assertThat(row.random()).hasSize(3);
            double onFirstStem = eval.evaluate(firstThreeOfExport2).accuracy();
            assertThat(row.sequential().get(2)).isEqualTo(onFirstStem);
            try (LayerShuffleModel own = LayerShuffleModel.load(exports.get(2))) {
                double ownStem = io.github.layershuffle.cli.eval.OrtEvaluation.evaluate(own, data,
                        io.github.layershuffle.api.ExecutionPolicy.sequential().keep(3), 0, BATCH,
                        io.github.layershuffle.train.eval.EvaluationListener.NONE).top1();
                assertThat(ownStem).as("export 2's own stem and head give other numbers").isNotEqualTo(onFirstStem);
            }
            assertThat(row.bestFixed()).isEqualTo(Math.max(row.sequentialStat().orElseThrow().mean(),
                    row.randomStat().orElseThrow().mean()));
            assertThat(row.latencyMs()).isPositive();
            assertThat(row.fixedLatencyMs()).isPositive();
        }
    }
}
