package io.github.layershuffle.cli.search;

import io.jenetics.Genotype;
import io.jenetics.IntegerChromosome;
import io.jenetics.IntegerGene;
import io.jenetics.Mutator;
import io.jenetics.Optimize;
import io.jenetics.Phenotype;
import io.jenetics.SinglePointCrossover;
import io.jenetics.SwapMutator;
import io.jenetics.TournamentSelector;
import io.jenetics.engine.Constraint;
import io.jenetics.engine.Engine;
import io.jenetics.engine.EvolutionResult;
import io.jenetics.util.RandomRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import java.util.stream.IntStream;

/**
 * Searches, for each budget k, the recipe of k slots (each a block of one of the family's exports, in any order)
 * with the highest validation accuracy, by a genetic algorithm from Jenetics.
 *
 * <p>A recipe is a chromosome of k integer genes, gene {@code g} naming one block of all the exports' blocks.
 * The population starts with every export's blocks in order ({@code sequential().keep(k)}), every export's
 * blocks in a random order ({@code random().keep(k)}) and random recipes. Single-point crossover keeps the
 * first blocks of a parent, which the {@link RecipeEvaluator}'s prefix cache then does not run again; a mutation
 * replaces a block, a swap changes the order (uniformly over the slots, or more often late ones with
 * {@link Builder#optTailBias(boolean)}). Without repeats no block appears twice in a recipe (a constraint
 * repairs a child that has one). The search for a budget stops after the generation in which it reached its
 * evaluation or time budget. Given the seed, the whole search is reproducible: Jenetics draws from a generator
 * made from it, and every fitness runs on the calling thread.
 *
 * <pre>{@code
 * try (RecipeEvaluator eval = RecipeEvaluator.open(exports, validation, RecipeEvaluator.Options.defaults())) {
 *     List<SearchResult> best = RecipeSearch.builder().setEvaluator(eval).setBudgets(List.of(3, 6))
 *             .optMaxEvaluations(500).optSeed(1).build().run();
 * }
 * }</pre>
 */
public final class RecipeSearch {
    private final RecipeEvaluator evaluator;
    private final List<Integer> budgets;
    private final boolean repeats;
    private final int population;
    private final long maxEvaluations;
    private final Duration maxTime;
    private final long seed;
    private final boolean tailBias;
    private final SearchListener listener;
    private final List<BlockRef> genes = new ArrayList<>();

    private RecipeSearch(Builder b) {
        this.evaluator = b.evaluator;
        this.budgets = b.budgets;
        this.repeats = b.repeats;
        this.population = b.population;
        this.maxEvaluations = b.maxEvaluations;
        this.maxTime = b.maxTime;
        this.seed = b.seed;
        this.tailBias = b.tailBias;
        this.listener = b.listener;
        for (int s = 0; s < evaluator.exports().size(); s++) {
            for (int k = 0; k < evaluator.blockCount(s); k++) {
                genes.add(new BlockRef(s, k));
            }
        }
        for (int k : budgets) {
            if (k > evaluator.maxSlots()) {
                throw new IllegalArgumentException("budget " + k + " exceeds the " + evaluator.maxSlots()
                        + " slots a -position model embeds");
            }
            if (!repeats && k > genes.size()) {
                throw new IllegalArgumentException("budget " + k + " needs repeats: the exports have only "
                        + genes.size() + " blocks in all");
            }
        }
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Runs the search for every budget, in the order given. */
    public List<SearchResult> run() {
        List<SearchResult> results = new ArrayList<>();
        for (int i = 0; i < budgets.size(); i++) {
            int budget = budgets.get(i);
            RandomGenerator random = RandomGeneratorFactory.of("L64X128MixRandom").create(seed * 1_000_003L + budget);
            results.add(RandomRegistry.with(random, r -> search(budget)));
        }
        return results;
    }

    private SearchResult search(int k) {
        listener.budgetStarted(k, maxEvaluations);
        long startEvaluations = evaluator.evaluations();
        long start = System.nanoTime();
        List<Double> best = new ArrayList<>();
        Engine.Builder<IntegerGene, Double> b = Engine
                .builder(gt -> evaluator.evaluate(recipe(gt)).fitness(),
                        Genotype.of(IntegerChromosome.of(0, genes.size(), k))) // [0, size): Jenetics' upper bound is exclusive
                .optimize(Optimize.MAXIMUM)
                .populationSize(population)
                .executor(Runnable::run)
                .selector(new TournamentSelector<>(3))
                .alterers(new SinglePointCrossover<>(0.3),
                        tailBias ? new TailBiasedMutator(0.15, false) : new Mutator<IntegerGene, Double>(0.15),
                        tailBias ? new TailBiasedMutator(0.15, true) : new SwapMutator<IntegerGene, Double>(0.15));
        if (!repeats) {
            b.constraint(Constraint.of(p -> distinct(p.genotype()), RecipeSearch::repair));
        }
        Engine<IntegerGene, Double> engine = b.build();
        long[] generation = {0};
        EvolutionResult<IntegerGene, Double> result = engine.stream(seeds(k))
                .limit(r -> evaluator.evaluations() - startEvaluations < maxEvaluations
                        && (maxTime == null || System.nanoTime() - start < maxTime.toNanos()))
                .peek(r -> {
                    generation[0] = r.generation();
                    // a generation's best can be worse than an earlier one (it aged out or lost a tournament)
                    double accuracy = Math.max(best.isEmpty() ? 0 : best.get(best.size() - 1),
                            evaluator.evaluate(recipe(r.bestPhenotype().genotype())).accuracy());
                    best.add(accuracy);
                    listener.generation(k, r.generation(), evaluator.evaluations() - startEvaluations, accuracy);
                })
                .collect(EvolutionResult.toBestEvolutionResult());
        List<BlockRef> recipe = recipe(result.bestPhenotype().genotype());
        SearchResult r = new SearchResult(k, recipe, evaluator.evaluate(recipe),
                evaluator.evaluations() - startEvaluations, generation[0], (System.nanoTime() - start) / 1e9, best);
        listener.budgetDone(r);
        return r;
    }

    /** Every export's first k blocks in order, and in a random order; the engine adds random recipes. */
    private List<Genotype<IntegerGene>> seeds(int k) {
        RandomGenerator random = RandomRegistry.random();
        List<Genotype<IntegerGene>> seeds = new ArrayList<>();
        int offset = 0;
        for (int s = 0; s < evaluator.exports().size() && seeds.size() < population; s++) {
            int depth = evaluator.blockCount(s);
            if (k <= depth) {
                int first = offset;
                seeds.add(genotype(IntStream.range(0, k).map(i -> first + i).toArray()));
                int[] order = IntStream.range(0, depth).toArray();
                for (int i = depth - 1; i > 0; i--) {
                    int j = random.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                if (seeds.size() < population) {
                    seeds.add(genotype(IntStream.range(0, k).map(i -> first + order[i]).toArray()));
                }
            }
            offset += depth;
        }
        return seeds;
    }

    private Genotype<IntegerGene> genotype(int[] values) {
        IntegerGene[] g = new IntegerGene[values.length];
        for (int i = 0; i < values.length; i++) {
            g[i] = IntegerGene.of(values[i], 0, genes.size());
        }
        return Genotype.of(IntegerChromosome.of(g));
    }

    private List<BlockRef> recipe(Genotype<IntegerGene> gt) {
        IntegerChromosome c = gt.chromosome().as(IntegerChromosome.class);
        List<BlockRef> r = new ArrayList<>(c.length());
        for (int i = 0; i < c.length(); i++) {
            r.add(genes.get(c.get(i).intValue()));
        }
        return r;
    }

    private static boolean distinct(Genotype<IntegerGene> gt) {
        BitSet seen = new BitSet();
        for (IntegerGene g : gt.chromosome().as(IntegerChromosome.class)) {
            if (seen.get(g.intValue())) {
                return false;
            }
            seen.set(g.intValue());
        }
        return true;
    }

    /** Replaces every repeated block by a random one not yet in the recipe. */
    private static Phenotype<IntegerGene, Double> repair(Phenotype<IntegerGene, Double> p, long generation) {
        IntegerChromosome c = p.genotype().chromosome().as(IntegerChromosome.class);
        int max = c.max(); // exclusive
        BitSet used = new BitSet(max);
        IntegerGene[] out = new IntegerGene[c.length()];
        RandomGenerator random = RandomRegistry.random();
        for (int i = 0; i < c.length(); i++) {
            int v = c.get(i).intValue();
            if (used.get(v)) {
                int free = random.nextInt(max - used.cardinality());
                v = used.nextClearBit(0);
                for (int skip = 0; skip < free; skip++) {
                    v = used.nextClearBit(v + 1);
                }
            }
            used.set(v);
            out[i] = IntegerGene.of(v, c.min(), c.max());
        }
        return Phenotype.of(Genotype.of(IntegerChromosome.of(out)), generation);
    }

    /**
     * Builds a {@link RecipeSearch}: {@code set*} for required values, {@code opt*} for optional ones.
     */
    public static final class Builder {
        private RecipeEvaluator evaluator;
        private List<Integer> budgets;
        private boolean repeats;
        private int population = 40;
        private long maxEvaluations = 500;
        private Duration maxTime;
        private long seed;
        private boolean tailBias;
        private SearchListener listener = SearchListener.NONE;

        private Builder() {
        }

        /** The evaluator that measures recipes on the validation images (required). */
        public Builder setEvaluator(RecipeEvaluator evaluator) {
            this.evaluator = Objects.requireNonNull(evaluator, "evaluator");
            return this;
        }

        /**
         * The numbers of slots to search for (required).
         *
         * @throws IllegalArgumentException if empty or a budget is below 1
         */
        public Builder setBudgets(List<Integer> budgets) {
            if (budgets.isEmpty() || budgets.stream().anyMatch(k -> k < 1)) {
                throw new IllegalArgumentException("budgets must be a non-empty list of numbers >= 1, were " + budgets);
            }
            this.budgets = List.copyOf(budgets);
            return this;
        }

        /** Whether a block may fill more than one slot of a recipe (default false). */
        public Builder optRepeats(boolean repeats) {
            this.repeats = repeats;
            return this;
        }

        /**
         * Individuals per generation (default 40).
         *
         * @throws IllegalArgumentException if below 2
         */
        public Builder optPopulation(int population) {
            if (population < 2) {
                throw new IllegalArgumentException("population must be >= 2, was " + population);
            }
            this.population = population;
            return this;
        }

        /**
         * Recipes to measure per budget before the search stops (default 500).
         *
         * @throws IllegalArgumentException if below 1
         */
        public Builder optMaxEvaluations(long maxEvaluations) {
            if (maxEvaluations < 1) {
                throw new IllegalArgumentException("maxEvaluations must be >= 1, was " + maxEvaluations);
            }
            this.maxEvaluations = maxEvaluations;
            return this;
        }

        /**
         * Wall time per budget before the search stops (default: none).
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder optMaxTime(Duration maxTime) {
            if (maxTime.isNegative() || maxTime.isZero()) {
                throw new IllegalArgumentException("maxTime must be positive, was " + maxTime);
            }
            this.maxTime = maxTime;
            return this;
        }

        /** The seed of the search's random choices (default 0). */
        public Builder optSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Whether the mutations change late slots more often than early ones ({@link TailBiasedMutator}), so that
         * children share longer prefixes with their parents and the prefix cache saves more (default false:
         * Jenetics' uniform {@code Mutator} and {@code SwapMutator}).
         */
        public Builder optTailBias(boolean tailBias) {
            this.tailBias = tailBias;
            return this;
        }

        /** Told of every generation (default {@link SearchListener#NONE}). */
        public Builder optListener(SearchListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * @throws IllegalStateException    if the evaluator or the budgets are missing
         * @throws IllegalArgumentException if a budget exceeds the slots a -position model embeds, or needs
         *                                  repeats that are not allowed
         */
        public RecipeSearch build() {
            if (evaluator == null || budgets == null) {
                throw new IllegalStateException("a search needs an evaluator and budgets; missing: "
                        + (evaluator == null ? "evaluator " : "") + (budgets == null ? "budgets" : ""));
            }
            return new RecipeSearch(this);
        }
    }
}
