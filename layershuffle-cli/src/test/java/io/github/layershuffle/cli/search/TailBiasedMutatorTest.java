package io.github.layershuffle.cli.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.jenetics.Chromosome;
import io.jenetics.IntegerChromosome;
import io.jenetics.IntegerGene;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The tail-biased mutations: late slots change more often, every slot can change, a swap keeps the blocks. */
class TailBiasedMutatorTest {
    private static final int SLOTS = 9;

    private static Chromosome<IntegerGene> ordered() {
        return IntegerChromosome.of(IntStream.range(0, SLOTS).mapToObj(i -> IntegerGene.of(i, 0, 1000))
                .toArray(IntegerGene[]::new));
    }

    /** How often each slot changed over many mutations. */
    private static int[] changes(boolean swap) {
        TailBiasedMutator m = new TailBiasedMutator(0.15, swap);
        RandomGenerator random = new SplittableRandom(1);
        int[] changed = new int[SLOTS];
        Chromosome<IntegerGene> start = ordered();
        for (int t = 0; t < 20_000; t++) {
            Chromosome<IntegerGene> c = m.mutate(start, 0.15, random).result();
            List<Integer> values = new ArrayList<>();
            c.forEach(g -> values.add(g.intValue()));
            for (int i = 0; i < SLOTS; i++) {
                changed[i] += values.get(i) != i ? 1 : 0;
            }
            if (swap) {
                assertThat(values).containsExactlyInAnyOrderElementsOf(IntStream.range(0, SLOTS).boxed().toList());
            }
        }
        return changed;
    }

    @Test
    void replacementsHitLateSlotsMoreOftenAndTheMeanRateIsKept() {
        int[] changed = changes(false);
        assertThat(changed[0]).as("the first slot still mutates").isPositive();
        assertThat(changed[SLOTS - 1]).isGreaterThan(5 * changed[0]);
        for (int i = 1; i < SLOTS; i++) {
            assertThat(changed[i]).as("slot " + i).isGreaterThan(changed[i - 1] / 2);
        }
        double mean = IntStream.of(changed).average().orElseThrow() / 20_000;
        assertThat(mean).as("mean chance per slot, less the 1/1000 a new random block equals the old").isCloseTo(0.15,
                within(0.01));
        assertThat(TailBiasedMutator.chance(0.15, SLOTS - 1, SLOTS)).isCloseTo(0.27, within(1e-9));
    }

    @Test
    void swapsKeepTheBlocksAndMoveLateSlotsMore() {
        int[] changed = changes(true);
        assertThat(changed[SLOTS - 1]).isGreaterThan(2 * changed[0]);
    }
}
