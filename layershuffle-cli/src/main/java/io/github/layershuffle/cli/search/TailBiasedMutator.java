package io.github.layershuffle.cli.search;

import io.jenetics.Chromosome;
import io.jenetics.IntegerGene;
import io.jenetics.Mutator;
import io.jenetics.MutatorResult;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A Jenetics mutator that changes late slots more often than early ones, so that a child keeps a longer prefix
 * of its parent, which the {@link RecipeEvaluator}'s prefix cache then does not run again. Slot {@code i} of
 * {@code n} mutates with probability {@code p * 2(i + 1) / (n + 1)}: {@code p} on average, about {@code 2p} at
 * the last slot and {@code 2p / (n + 1)} at the first, so every slot stays reachable. A mutation either replaces
 * the block ({@code swap == false}, a new random block, as {@link Mutator}) or swaps it with another slot drawn
 * from the same tail-biased distribution ({@code swap == true}, as {@link io.jenetics.SwapMutator}).
 *
 * <p>Written here because Jenetics' mutators choose positions uniformly; this only overrides where they act.
 */
final class TailBiasedMutator extends Mutator<IntegerGene, Double> {
    private final boolean swap;

    TailBiasedMutator(double probability, boolean swap) {
        super(probability);
        this.swap = swap;
    }

    /** Slot {@code i}'s chance to mutate, for a mean chance {@code p} over {@code n} slots. */
    static double chance(double p, int i, int n) {
        return Math.min(1, p * 2.0 * (i + 1) / (n + 1));
    }

    @Override
    protected MutatorResult<Chromosome<IntegerGene>> mutate(Chromosome<IntegerGene> chromosome, double p,
                                                             RandomGenerator random) {
        int n = chromosome.length();
        List<IntegerGene> genes = new ArrayList<>(n);
        chromosome.forEach(genes::add);
        int mutations = 0;
        for (int i = 0; i < n; i++) {
            if (random.nextDouble() >= chance(p, i, n)) {
                continue;
            }
            if (swap) {
                if (n < 2) {
                    continue;
                }
                int j = tailBiasedSlot(n, random);
                IntegerGene t = genes.get(i);
                genes.set(i, genes.get(j));
                genes.set(j, t);
            } else {
                genes.set(i, mutate(genes.get(i), random));
            }
            mutations++;
        }
        return new MutatorResult<>(chromosome.newInstance(io.jenetics.util.ISeq.of(genes)), mutations);
    }

    /** A slot drawn with weight {@code i + 1}. */
    private static int tailBiasedSlot(int n, RandomGenerator random) {
        long total = (long) n * (n + 1) / 2;
        long r = random.nextLong(total);
        int i = 0;
        long upTo = 1; // 1 + 2 + ... + (i + 1)
        while (upTo <= r) {
            i++;
            upTo += i + 1;
        }
        return i;
    }
}
