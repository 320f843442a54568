package io.github.layershuffle.cli.search;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.cli.experiment.OrtEvaluation;
import io.github.layershuffle.onnx.runtime.Composer;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.eval.EvaluationListener;
import io.github.layershuffle.train.eval.Stat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * What a searched recipe is worth, measured on test images the search never saw, beside the fixed policies a
 * user could ship instead with the same number of blocks:
 * <ul>
 *   <li>{@code sequential().keep(k)} and {@code random().keep(k)} of each export, with the export's own stem and
 *       head (the model as it was shipped), through {@link OrtEvaluation};</li>
 *   <li>random merges: k distinct block indices in a random order, each slot from a random export, with the first
 *       export's stem and head like the searched recipe.</li>
 * </ul>
 *
 * @param budget     the number of slots
 * @param recipe     the searched recipe
 * @param validation its validation accuracy (what the search optimised)
 * @param test       its test accuracy
 * @param sequential {@code sequential().keep(k)} over the exports that have k blocks; empty if none has
 * @param random     {@code random().keep(k)} over exports and seeds
 * @param merges     random merges
 * @param latencyMs  the median wall time of the composed recipe on one image, in milliseconds
 */
public record SearchComparison(int budget, List<BlockRef> recipe, double validation, double test,
                               Optional<Stat> sequential, Stat random, Stat merges, double latencyMs) {

    /** Copies the recipe. */
    public SearchComparison {
        recipe = List.copyOf(recipe);
    }

    /**
     * Measures each result on {@code test}.
     *
     * @param testEvaluator an evaluator over the test images, on the same exports as the search
     * @param rounds        seeds of {@code random().keep(k)} per export, and number of random merges
     * @param seed          the seed of the random plans and merges
     */
    public static List<SearchComparison> measure(List<SearchResult> results, RecipeEvaluator testEvaluator,
                                                 ImageDataset test, RuntimeOptions runtime, int rounds, long seed,
                                                 int batchSize, EvaluationListener listener) {
        Objects.requireNonNull(listener, "listener");
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be >= 1, was " + rounds);
        }
        List<Path> exports = testEvaluator.exports();
        List<SearchComparison> rows = new ArrayList<>();
        List<LayerShuffleModel> models = new ArrayList<>();
        try {
            for (Path p : exports) {
                models.add(LayerShuffleModel.load(p, runtime));
            }
            for (SearchResult r : results) {
                int k = r.budget();
                List<Double> sequential = new ArrayList<>();
                List<Double> random = new ArrayList<>();
                for (LayerShuffleModel m : models) {
                    if (k > m.size()) {
                        continue;
                    }
                    sequential.add(OrtEvaluation.evaluate(m, test, ExecutionPolicy.sequential().keep(k), seed,
                            batchSize, listener).top1());
                    for (int s = 0; s < rounds; s++) {
                        random.add(OrtEvaluation.evaluate(m, test, ExecutionPolicy.random().keep(k), seed + s,
                                batchSize, listener).top1());
                    }
                }
                SplittableRandom rng = new SplittableRandom(seed * 31 + k);
                List<Double> merges = new ArrayList<>();
                for (int s = 0; s < rounds; s++) {
                    merges.add(testEvaluator.evaluate(randomMerge(testEvaluator, k, rng)).accuracy());
                }
                rows.add(new SearchComparison(k, r.recipe(), r.validation().accuracy(),
                        testEvaluator.evaluate(r.recipe()).accuracy(),
                        sequential.isEmpty() ? Optional.empty() : Optional.of(Stat.of(sequential)),
                        random.isEmpty() ? new Stat(Double.NaN, Double.NaN, 0) : Stat.of(random), Stat.of(merges),
                        latencyMs(exports, r.recipe(), test, runtime)));
            }
        } finally {
            models.forEach(LayerShuffleModel::close);
        }
        return rows;
    }

    /** k distinct block indices in a random order, each from a random export that has it. */
    static List<BlockRef> randomMerge(RecipeEvaluator e, int k, SplittableRandom rng) {
        int depth = Integer.MAX_VALUE;
        for (int s = 0; s < e.exports().size(); s++) {
            depth = Math.min(depth, e.blockCount(s));
        }
        int[] order = new int[depth];
        Arrays.setAll(order, i -> i);
        for (int i = depth - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        List<BlockRef> r = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            // past the depth, indices repeat with another source
            r.add(new BlockRef(rng.nextInt(e.exports().size()), order[i % depth]));
        }
        return r;
    }

    private static double latencyMs(List<Path> exports, List<BlockRef> recipe, ImageDataset test,
                                    RuntimeOptions runtime) {
        Composer c = LayerShuffleModel.compose().options(runtime).stem(exports.get(0)).head(exports.get(0));
        recipe.forEach(r -> c.slot(exports.get(r.source()), r.block()));
        try (LayerShuffleModel m = c.build()) {
            int n = Math.min(test.count(), 60);
            double[] ms = new double[n];
            for (int i = 0; i < n; i++) {
                float[][][][] px = RecipeEvaluator.pixels(test, i, i + 1);
                long start = System.nanoTime();
                m.predict(px);
                ms[i] = (System.nanoTime() - start) / 1e6;
            }
            // the first calls warm ONNX Runtime up; the median of the rest
            double[] rest = Arrays.copyOfRange(ms, Math.min(10, n - 1), n);
            Arrays.sort(rest);
            return rest[rest.length / 2];
        }
    }
}
