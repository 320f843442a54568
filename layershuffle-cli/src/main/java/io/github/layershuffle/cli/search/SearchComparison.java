package io.github.layershuffle.cli.search;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.cli.eval.OrtEvaluation;
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
 * user could ship instead with the same number of blocks. Every row runs on the stem and head of the first export
 * (as the searched recipe does), so that the rows differ only in which blocks run in which order:
 * <ul>
 *   <li>{@code sequential().keep(k)} and {@code random().keep(k)} of each export's blocks, through
 *       {@link OrtEvaluation} (a fresh plan per batch, as a host app runs the policy);</li>
 *   <li>random merges: k distinct block indices in a random order, each slot from a random export.</li>
 * </ul>
 * For the first export these are its own policies; for the others, its blocks on the first export's stem and head
 * (exports of one family fine-tuned from one base differ there little, but they do differ).
 *
 * @param budget     the number of slots
 * @param recipe     the searched recipe
 * @param validation its validation accuracy (what the search optimised)
 * @param test       its test accuracy
 * @param sequential {@code sequential().keep(k)}, one value per export that has k blocks; empty if none has
 * @param random     {@code random().keep(k)}, one value per export that has k blocks and seed
 * @param merges     random merges, one value each
 * @param latencyMs  the median wall time of the composed recipe on one image, in milliseconds
 * @param fixedLatencyMs the same for the first export's first k blocks ({@code sequential().keep(k)}); NaN if it
 *                   has fewer
 */
public record SearchComparison(int budget, List<BlockRef> recipe, double validation, double test,
                               List<Double> sequential, List<Double> random, List<Double> merges, double latencyMs,
                               double fixedLatencyMs) {

    /** Copies the lists. */
    public SearchComparison {
        recipe = List.copyOf(recipe);
        sequential = List.copyOf(sequential);
        random = List.copyOf(random);
        merges = List.copyOf(merges);
    }

    /** Mean ± std of {@link #sequential()}, if any export has k blocks. */
    public Optional<Stat> sequentialStat() {
        return sequential.isEmpty() ? Optional.empty() : Optional.of(Stat.of(sequential));
    }

    /** Mean ± std of {@link #random()}, if any export has k blocks. */
    public Optional<Stat> randomStat() {
        return random.isEmpty() ? Optional.empty() : Optional.of(Stat.of(random));
    }

    /** Mean ± std of {@link #merges()}; empty if there are none. */
    public Optional<Stat> mergeStat() {
        return merges.isEmpty() ? Optional.empty() : Optional.of(Stat.of(merges));
    }

    /**
     * The best fixed policy on test: the higher mean of {@code sequential().keep(k)} and {@code random().keep(k)}
     * over the exports (what shipping one of the models with that policy gets on average); NaN if neither exists.
     */
    public double bestFixed() {
        double seq = sequentialStat().map(Stat::mean).orElse(Double.NaN);
        double rnd = randomStat().map(Stat::mean).orElse(Double.NaN);
        return Double.isNaN(seq) ? rnd : Double.isNaN(rnd) ? seq : Math.max(seq, rnd);
    }

    /**
     * Measures each result on {@code test}.
     *
     * @param testEvaluator an evaluator over the test images, on the same exports as the search
     * @param rounds        seeds of {@code random().keep(k)} per export, and number of random merges
     * @param seed          the seed of the random plans and merges
     * @throws IllegalArgumentException if {@code rounds < 1}
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
        List<LayerShuffleModel> onFirstStem = new ArrayList<>();
        try {
            for (Path p : exports) {
                models.add(LayerShuffleModel.load(p, runtime));
            }
            LayerShuffleModel first = models.get(0);
            onFirstStem.add(first);
            for (LayerShuffleModel m : models.subList(1, models.size())) {
                Composer c = LayerShuffleModel.compose().options(runtime).stem(first).head(first);
                for (int b = 0; b < m.size(); b++) {
                    c.slot(m, b);
                }
                onFirstStem.add(c.build());
            }
            for (SearchResult r : results) {
                int k = r.budget();
                List<Double> sequential = new ArrayList<>();
                List<Double> random = new ArrayList<>();
                for (LayerShuffleModel m : onFirstStem) {
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
                List<BlockRef> firstK = new ArrayList<>();
                for (int b = 0; b < Math.min(k, first.size()); b++) {
                    firstK.add(new BlockRef(0, b));
                }
                rows.add(new SearchComparison(k, r.recipe(), r.validation().accuracy(),
                        testEvaluator.evaluate(r.recipe()).accuracy(), sequential, random, merges,
                        latencyMs(exports, r.recipe(), test, runtime),
                        k > first.size() ? Double.NaN : latencyMs(exports, firstK, test, runtime)));
            }
        } finally {
            for (int i = 1; i < onFirstStem.size(); i++) {
                onFirstStem.get(i).close();
            }
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
