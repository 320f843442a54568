package io.github.layershuffle.cli.search;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.data.ImageDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What the search's caches are worth: the same search (same seed, so the same recipes in the same order) with
 * and without them, compared over the same number of recipes; and a family of random-weight exports of the small
 * experiment's model to run it on, since speed does not depend on the weights.
 */
public final class SearchBenchmark {
    private SearchBenchmark() {
    }

    /**
     * The time at which a cached search had measured how many recipes, generation by generation, of the first
     * budget it saw; a {@link SearchListener} to pass along.
     */
    public static final class Clock implements SearchListener {
        private final List<long[]> marks = new ArrayList<>(); // {evaluations, nanos since start}
        private int budget = -1;
        private long start;

        @Override
        public void budgetStarted(int k, long maxEvaluations) {
            if (budget < 0) {
                budget = k;
                start = System.nanoTime();
            }
        }

        @Override
        public void generation(int k, long generation, long evaluations, double bestAccuracy) {
            if (k == budget) {
                marks.add(new long[] {evaluations, System.nanoTime() - start});
            }
        }

        /** The first mark at or past {@code evaluations}: recipes measured and seconds taken; null if none. */
        long[] at(long evaluations) {
            for (long[] m : marks) {
                if (m[0] >= evaluations) {
                    return m;
                }
            }
            return null;
        }
    }

    /**
     * The caches' speed-up.
     *
     * @param evaluations     recipes both runs measured
     * @param cachedSeconds   the cached search's time to measure them
     * @param uncachedSeconds the uncached search's time to measure them
     */
    public record Speedup(long evaluations, double cachedSeconds, double uncachedSeconds) {
        /** How many times faster the cached search was. */
        public double speedup() {
            return uncachedSeconds / cachedSeconds;
        }
    }

    /**
     * Runs the first budget's search again with every cache off, until it has measured as many recipes as the
     * cached run had at its first generation past {@code evaluations}, and compares the times.
     *
     * @param cached the clock the cached search reported to
     * @throws IllegalArgumentException if the cached search measured fewer than {@code evaluations} recipes
     */
    public static Speedup uncached(List<Path> exports, ImageDataset validation, RecipeEvaluator.Options options,
                                   int budget, int population, boolean repeats, long seed, long evaluations,
                                   Clock cached) {
        long[] mark = cached.at(evaluations);
        if (mark == null) {
            throw new IllegalArgumentException("the cached search measured fewer than " + evaluations
                    + " recipes; ask for fewer uncached evaluations");
        }
        long start = System.nanoTime();
        long measured;
        try (RecipeEvaluator plain = RecipeEvaluator.open(exports, validation, options.uncached())) {
            Clock clock = new Clock();
            RecipeSearch.builder().setEvaluator(plain).setBudgets(List.of(budget)).optPopulation(population)
                    .optRepeats(repeats).optMaxEvaluations(mark[0]).optSeed(seed).optListener(clock).build().run();
            long[] same = clock.at(mark[0]);
            measured = same == null ? plain.evaluations() : same[0];
        }
        double uncachedSeconds = (System.nanoTime() - start) / 1e9; // includes opening: the stem is not cached
        return new Speedup(Math.min(measured, mark[0]), mark[1] / 1e9, uncachedSeconds);
    }

    /**
     * Writes {@code n} exports of one family with random weights of the small experiment's model into
     * {@code dir} ({@code random-00}, ...), replacing what is there.
     */
    public static List<Path> randomFamily(int n, Path dir, long seed) {
        if (n < 1) {
            throw new IllegalArgumentException("--random-family needs at least 1 export, was " + n);
        }
        ModelConfig c = ModelConfig.builder().imageSize(FashionMnist.IMAGE_SIZE).channels(1).patchSize(7).width(64)
                .depth(12).heads(4).mlpWidth(128).classes(10).variant(Variant.LAYERSHUFFLE).build();
        List<Path> exports = new ArrayList<>();
        String family = null;
        for (int i = 0; i < n; i++) {
            Path p = dir.resolve(String.format("random-%02d", i));
            Checkpoint fresh = ModelCheckpoints.fresh(c, seed + i);
            family = family == null ? fresh.family() : family;
            exports.add(OnnxExporter.create().export(new Checkpoint(c, family, Map.of("note", "random weights, for "
                    + "benchmarks"), fresh.tensors()), p));
        }
        return exports;
    }
}
