package io.github.layershuffle.cli;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.cli.report.MachineInfo;
import io.github.layershuffle.cli.search.RecipeEvaluator;
import io.github.layershuffle.cli.search.RecipeSearch;
import io.github.layershuffle.cli.search.SearchBenchmark;
import io.github.layershuffle.cli.search.SearchComparison;
import io.github.layershuffle.cli.search.SearchListener;
import io.github.layershuffle.cli.search.SearchOutput;
import io.github.layershuffle.cli.search.SearchResult;
import io.github.layershuffle.onnx.runtime.Manifest;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.data.ImageDataset;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code layershuffle search}: the best recipe of k blocks from a family of exports, for each budget k. */
@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Search, for each budget of k blocks, which blocks to run, in which order and from which "
                + "export of one family, for the best validation accuracy (a genetic algorithm; fitness measured "
                + "on ONNX Runtime as a host app runs the recipe). Writes one recipe per budget, loadable by "
                + "LayerShuffleModel.compose, and compares it on the test images with sequential().keep(k), "
                + "random().keep(k) and random merges."},
        footerHeading = "%nExamples:%n",
        footer = {"  layershuffle search exports/ls-* --budget 3,6 --out runs/search",
            "  layershuffle search exports/ls-1 exports/ls-2 --budget 1..12 --max-evaluations 200 --repeats"})
final class SearchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "EXPORT", arity = "0..*", description = "Export directories of one family; the "
            + "first gives the recipes' stem and head.")
    List<Path> exports = new ArrayList<>();

    @Option(names = "--budget", required = true, paramLabel = "K", description = "Numbers of blocks: 3, 3,6,9 "
            + "or a range 1..12.")
    String budget;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where the recipes, summary.json, "
            + "search.md and search.png go.")
    Path out;

    @Option(names = "--repeats", description = "Allow a block to fill more than one slot.")
    boolean repeats;

    @Option(names = "--population", defaultValue = "40", description = "Recipes per generation (default: "
            + "${DEFAULT-VALUE}).")
    int population;

    @Option(names = "--max-evaluations", defaultValue = "500", description = "Recipes measured per budget before "
            + "the search stops (default: ${DEFAULT-VALUE}).")
    long maxEvaluations;

    @Option(names = "--max-time", paramLabel = "DURATION", description = "Wall time per budget before the search "
            + "stops, e.g. 5m or 90s.")
    String maxTime;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the search and of the random baselines "
            + "(default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX directory or image-folder tree "
            + "(default: ${DEFAULT-VALUE}).")
    Path data = FashionMnist.DEFAULT_DIRECTORY;

    @Option(names = "--validation", defaultValue = "2000", paramLabel = "N", description = "Validation images the "
            + "search optimises on, a seeded sample of the validation split (default: ${DEFAULT-VALUE}).")
    int validation;

    @Option(names = "--test", paramLabel = "N", description = "Test images for the comparison, a seeded sample "
            + "(default: the whole test split).")
    Integer test;

    @Option(names = "--rounds", defaultValue = "5", description = "Seeds of random().keep(k) per export, and "
            + "random merges per budget (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--batch-size", defaultValue = "250", description = "Images per ONNX Runtime call (default: "
            + "${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--cache-mb", defaultValue = "512", description = "Bound of the prefix cache in MiB; 0 turns "
            + "it off (default: ${DEFAULT-VALUE}).")
    long cacheMb;

    @Option(names = "--tail-bias", description = "Mutate late slots more often than early ones, so children share "
            + "longer prefixes with their parents and the prefix cache saves more.")
    boolean tailBias;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
    boolean quiet;

    @Option(names = "--random-family", paramLabel = "N", description = "Benchmark: instead of EXPORTs, search over "
            + "N exports with random weights of the small experiment's model (28x28, patch 7, 12 blocks of width "
            + "64), written to OUT/exports. Their accuracies mean nothing; the speed is the point.")
    Integer randomFamily;

    @Option(names = "--uncached-evaluations", paramLabel = "N", description = "Benchmark: also run the first "
            + "budget's search with every cache off (stem, prefixes, repeats) for N recipes, and print the "
            + "speed-up the caches give over those same N recipes.")
    Integer uncachedEvaluations;

    @Override
    public Integer call() {
        List<Integer> budgets = parseBudgets(budget);
        if (randomFamily != null) {
            if (!exports.isEmpty()) {
                throw new IllegalArgumentException("give EXPORTs or --random-family, not both");
            }
            exports = SearchBenchmark.randomFamily(randomFamily, out.resolve("exports"), seed);
        } else if (exports.isEmpty()) {
            throw new IllegalArgumentException("give at least one EXPORT (or --random-family N)");
        }
        Duration time = maxTime == null ? null : parseDuration(maxTime);
        // the image shape the data must have; the evaluator loads (and verifies) every export itself
        ModelConfig config = Manifest.read(exports.get(0)).config();
        DatasetSplits splits = DataSource.load(data, config.imageSize(), config.channels(), seed);
        ImageDataset val = sample(splits.validation(), validation);
        ImageDataset testSet = test == null ? splits.test() : sample(splits.test(), test);
        RuntimeOptions runtime = RuntimeOptions.defaults();
        RecipeEvaluator.Options options = new RecipeEvaluator.Options(batchSize, cacheMb << 20, true, true,
                runtime);
        SearchBenchmark.Clock clock = new SearchBenchmark.Clock();
        PrintWriter outWriter = spec.commandLine().getOut();
        List<SearchComparison> rows;
        long start = System.nanoTime();
        try (ProgressBars bars = new ProgressBars(!quiet);
             RecipeEvaluator eval = RecipeEvaluator.open(exports, val, options)) {
            RecipeSearch.Builder b = RecipeSearch.builder().setEvaluator(eval).setBudgets(budgets)
                    .optRepeats(repeats).optPopulation(population).optMaxEvaluations(maxEvaluations).optSeed(seed)
                    .optTailBias(tailBias).optListener(new SearchListener() {
                        private long runBefore;
                        private long resumedBefore;

                        @Override
                        public void budgetStarted(int k, long max) {
                            runBefore = eval.blocksRun();
                            resumedBefore = eval.blocksResumed();
                            clock.budgetStarted(k, max);
                        }

                        @Override
                        public void generation(int k, long generation, long evaluations, double best) {
                            clock.generation(k, generation, evaluations, best);
                            bars.update("search k=" + k, Math.min(evaluations, maxEvaluations), maxEvaluations,
                                    String.format(Locale.ROOT, "best %.2f%% (gen %d)", 100 * best, generation));
                        }

                        @Override
                        public void budgetDone(SearchResult r) {
                            bars.finish();
                            outWriter.printf(Locale.ROOT,
                                    "k=%d: validation %.2f%% after %d recipes in %.1f s (%.1f recipes/s): %s%n",
                                    r.budget(), 100 * r.validation().accuracy(), r.evaluations(), r.seconds(),
                                    r.evaluations() / r.seconds(), r.recipe());
                            long run = eval.blocksRun() - runBefore;
                            long resumed = eval.blocksResumed() - resumedBefore;
                            outWriter.printf(Locale.ROOT, "     blocks run over the images: %d (%.2f per recipe), "
                                    + "resumed from the prefix cache: %d (%.0f%% of the blocks the recipes hold)%n",
                                    run, (double) run / r.evaluations(), resumed,
                                    100.0 * resumed / Math.max(1, run + resumed));
                            outWriter.flush();
                        }
                    });
            if (time != null) {
                b.optMaxTime(time);
            }
            List<SearchResult> results = b.build().run();
            if (uncachedEvaluations != null) {
                bars.finish();
                SearchBenchmark.Speedup sp = SearchBenchmark.uncached(exports, val, options, budgets.get(0),
                        population, repeats, seed, uncachedEvaluations, clock);
                outWriter.printf(Locale.ROOT, "caches: k=%d, the first %d recipes took %.1f s with caches "
                                + "(%.2f recipes/s) and %.1f s without (%.2f recipes/s): %.1fx faster%n",
                        budgets.get(0), sp.evaluations(), sp.cachedSeconds(), sp.evaluations() / sp.cachedSeconds(),
                        sp.uncachedSeconds(), sp.evaluations() / sp.uncachedSeconds(), sp.speedup());
            }
            try (RecipeEvaluator testEval = RecipeEvaluator.open(exports, testSet, options)) {
                rows = SearchComparison.measure(results, testEval, testSet, runtime, rounds, seed, batchSize,
                        bars.evaluationListener());
            }
        }
        String command = "layershuffle " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        SearchOutput.write(out, exports, rows, command, MachineInfo.current().describe(),
                LocalDate.now().toString());
        Table t = new Table("Searched recipes vs fixed policies, test accuracy (" + testSet.count() + " images)",
                "k", "searched val", "searched test", "sequential keep(k)", "random keep(k)", "random merges",
                "ms/img");
        for (SearchComparison r : rows) {
            t.row(r.budget(), pct(r.validation()), pct(r.test()),
                    r.sequentialStat().map(s -> s.percent()).orElse("-"),
                    r.randomStat().map(s -> s.percent()).orElse("-"), r.mergeStat().map(s -> s.percent()).orElse("-"),
                    String.format(Locale.ROOT, "%.3f", r.latencyMs()));
        }
        t.print(outWriter);
        outWriter.printf(Locale.ROOT, "Every row runs on the stem and head of %s (fixed policies included).%n",
                exports.get(0));
        outWriter.printf(Locale.ROOT, "%nRecipes, summary.json, search.md and search.png in %s (%.0f s)%n", out,
                (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private ImageDataset sample(ImageDataset d, int n) {
        if (n < 1) {
            throw new IllegalArgumentException("image counts must be >= 1, was " + n);
        }
        return n >= d.count() ? d : d.sample(n, seed);
    }

    /** {@code 3}, {@code 3,6,9} or {@code 1..12}. */
    static List<Integer> parseBudgets(String text) {
        try {
            String s = text.strip();
            int range = s.indexOf("..");
            if (range >= 0) {
                int from = Integer.parseInt(s.substring(0, range).strip());
                int to = Integer.parseInt(s.substring(range + 2).strip());
                if (from < 1 || to < from) {
                    throw new IllegalArgumentException();
                }
                return IntStream.rangeClosed(from, to).boxed().toList();
            }
            List<Integer> list = new ArrayList<>();
            for (String part : s.split(",")) {
                int k = Integer.parseInt(part.strip());
                if (k < 1) {
                    throw new IllegalArgumentException();
                }
                list.add(k);
            }
            return list;
        } catch (IllegalArgumentException e) {
            throw new LayerShuffleException("--budget " + text + ": expected K, K,K,... or FROM..TO with numbers >= 1");
        }
    }

    /** {@code 90s}, {@code 5m}, {@code 1h} or an ISO-8601 duration. */
    static Duration parseDuration(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (s.startsWith("p")) {
                return Duration.parse(text.strip());
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
            }
            if (s.endsWith("s") || s.endsWith("m") || s.endsWith("h")) {
                long v = Long.parseLong(s.substring(0, s.length() - 1));
                return switch (s.charAt(s.length() - 1)) {
                    case 's' -> Duration.ofSeconds(v);
                    case 'm' -> Duration.ofMinutes(v);
                    default -> Duration.ofHours(v);
                };
            }
            throw new IllegalArgumentException(text);
        } catch (RuntimeException e) {
            throw new LayerShuffleException("--max-time " + text + ": expected e.g. 90s, 5m, 1h or PT5M");
        }
    }
}
