package io.github.layershuffle.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExecutionPolicyTest {

    @Test
    void sequentialAndReversedRunEveryBlockInOrder() {
        assertThat(ExecutionPolicy.sequential().plan(4).blocks()).containsExactly(0, 1, 2, 3);
        assertThat(ExecutionPolicy.reversed().plan(4).blocks()).containsExactly(3, 2, 1, 0);
        assertThat(ExecutionPolicy.sequential().plan(5).isSequential()).isTrue();
        assertThat(ExecutionPolicy.reversed().plan(5).isSequential()).isFalse();
    }

    @Test
    void everyRandomPlanIsAPermutation() {
        ExecutionPolicy policy = ExecutionPolicy.random();
        for (int i = 0; i < 2000; i++) {
            int n = 1 + i % 13;
            ExecutionPlan plan = policy.plan(n);
            assertThat(plan.size()).isEqualTo(n);
            assertThat(new HashSet<>(plan.blocks())).hasSize(n);
            assertThat(plan.blocks()).allSatisfy(b -> assertThat(b).isBetween(0, n - 1));
        }
    }

    @Test
    void seededRandomRepeatsExactly() {
        ExecutionPolicy a = ExecutionPolicy.random(42);
        ExecutionPolicy b = ExecutionPolicy.random(42);
        for (int i = 0; i < 100; i++) {
            assertThat(a.plan(12)).isEqualTo(b.plan(12));
        }
        assertThat(ExecutionPolicy.random(42).plan(12)).isNotEqualTo(ExecutionPolicy.random(43).plan(12));
    }

    @Test
    void planForPassEqualsTheNthPlanOfTheStream() {
        ExecutionPolicy stream = ExecutionPolicy.random(7).drop(0.3);
        ExecutionPolicy direct = ExecutionPolicy.random(7).drop(0.3);
        for (long pass = 0; pass < 50; pass++) {
            assertThat(stream.plan(12)).isEqualTo(direct.planForPass(12, pass));
        }
        assertThatThrownBy(() -> direct.planForPass(12, -1)).hasMessageContaining("-1");
    }

    @Test
    void unseededRandomDiffersBetweenPolicies() {
        // 12! orders: two fresh policies agreeing on 20 plans in a row would mean a shared seed.
        ExecutionPolicy a = ExecutionPolicy.random();
        ExecutionPolicy b = ExecutionPolicy.random();
        boolean differ = false;
        for (int i = 0; i < 20 && !differ; i++) {
            differ = !a.plan(12).equals(b.plan(12));
        }
        assertThat(differ).isTrue();
    }

    /**
     * Every block visits every slot equally often. A chi-square test over the n x n visit counts, with
     * (n-1)^2 degrees of freedom; the bound is far in the tail (p < 1e-6) for an unbiased shuffle, and the
     * classic biased shuffle (swap with any index, not only the ones not yet placed) fails it.
     */
    @Test
    void blocksVisitEverySlotUniformly() {
        int n = 8;
        int passes = 40_000;
        assertThat(chiSquare(ExecutionPolicy.random(1), n, passes)).isLessThan(bound(n));
        assertThat(chiSquare(naiveBiasedShuffle(), n, passes)).isGreaterThan(bound(n));
    }

    private static double bound(int n) {
        int df = (n - 1) * (n - 1);
        // Wilson-Hilferty: chi-square quantile for z = 5 (p ~ 3e-7).
        double z = 5;
        double a = 2.0 / (9 * df);
        return df * Math.pow(1 - a + z * Math.sqrt(a), 3);
    }

    private static double chiSquare(ExecutionPolicy policy, int n, int passes) {
        long[][] counts = new long[n][n];
        for (int i = 0; i < passes; i++) {
            ExecutionPlan plan = policy.plan(n);
            for (int slot = 0; slot < n; slot++) {
                counts[plan.block(slot)][slot]++;
            }
        }
        double expected = passes / (double) n;
        double chi = 0;
        for (long[] row : counts) {
            for (long c : row) {
                chi += (c - expected) * (c - expected) / expected;
            }
        }
        return chi;
    }

    private static ExecutionPolicy naiveBiasedShuffle() {
        return new ExecutionPolicy() {
            private final SplittableRandom random = new SplittableRandom(1);

            @Override
            public ExecutionPlan plan(int n) {
                return plan(n, random);
            }

            @Override
            public ExecutionPlan planForPass(int n, long pass) {
                return plan(n, new SplittableRandom(pass));
            }

            @Override
            public synchronized ExecutionPlan plan(int n, RandomGenerator r) {
                int[] order = new int[n];
                for (int i = 0; i < n; i++) {
                    order[i] = i;
                }
                for (int i = 0; i < n; i++) {
                    int j = r.nextInt(n);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
                return ExecutionPlan.of(n, order);
            }
        };
    }

    @Test
    void fixedRunsExactlyTheGivenBlocks() {
        assertThat(ExecutionPolicy.fixed(11, 0, 5).plan(12).blocks()).containsExactly(11, 0, 5);
    }

    @Test
    void fixedRejectsDuplicatesNegativesAndOutOfRange() {
        assertThatThrownBy(() -> ExecutionPolicy.fixed(0, 0, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("block 0 appears twice").hasMessageContaining("fixed(0, 0, 3)");
        assertThatThrownBy(() -> ExecutionPolicy.fixed(1, -2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-2");
        assertThatThrownBy(ExecutionPolicy::fixed)
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one block");
        assertThatThrownBy(() -> ExecutionPolicy.fixed(0, 12).plan(12))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("block 12").hasMessageContaining("[0, 12)");
    }

    @Test
    void keepRunsTheFirstKOfTheOrder() {
        assertThat(ExecutionPolicy.sequential().keep(3).plan(12).blocks()).containsExactly(0, 1, 2);
        assertThat(ExecutionPolicy.reversed().keep(2).plan(12).blocks()).containsExactly(11, 10);
        ExecutionPlan full = ExecutionPolicy.random(5).plan(12);
        assertThat(ExecutionPolicy.random(5).keep(6).plan(12).blocks()).isEqualTo(full.blocks().subList(0, 6));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, -100})
    void keepRejectsNonPositiveK(int k) {
        assertThatThrownBy(() -> ExecutionPolicy.sequential().keep(k))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keep(" + k + ")");
    }

    @Test
    void keepRejectsMoreBlocksThanTheModelHas() {
        assertThatThrownBy(() -> ExecutionPolicy.random().keep(13).plan(12))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("keep(13)").hasMessageContaining("12 blocks").hasMessageContaining("[1, 12]");
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.1, 1.0, 1.5, Double.NaN})
    void dropRejectsProbabilitiesOutsideZeroToOne(double p) {
        assertThatThrownBy(() -> ExecutionPolicy.sequential().drop(p))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(String.valueOf(p));
    }

    @Test
    void dropNeverReturnsAnEmptyPlanOrARepeatAndKeepsTheOrder() {
        ExecutionPolicy policy = ExecutionPolicy.sequential().drop(0.95).seeded(3);
        int dropped = 0;
        for (int i = 0; i < 5000; i++) {
            List<Integer> blocks = policy.plan(6).blocks();
            assertThat(blocks).isNotEmpty().doesNotHaveDuplicates().isSorted();
            dropped += 6 - blocks.size();
        }
        assertThat(dropped).isGreaterThan(5000 * 4);
    }

    @Test
    void dropSkipsAtTheGivenRate() {
        ExecutionPolicy policy = ExecutionPolicy.sequential().drop(0.2).seeded(11);
        long ran = 0;
        int passes = 20_000;
        for (int i = 0; i < passes; i++) {
            ran += policy.plan(12).size();
        }
        double rate = 1 - ran / (12.0 * passes);
        assertThat(rate).isBetween(0.19, 0.21);
    }

    @Test
    void skippingLeavesOutUnavailableBlocksAtEachPass() {
        Set<Integer> down = java.util.concurrent.ConcurrentHashMap.newKeySet();
        ExecutionPolicy policy = ExecutionPolicy.random(9).skipping(down::contains);
        down.add(3);
        assertThat(policy.plan(6).blocks()).hasSize(5).doesNotContain(3).doesNotHaveDuplicates();
        down.clear();
        assertThat(policy.plan(6).blocks()).hasSize(6);
        assertThat(ExecutionPolicy.sequential().without(0, 2).plan(4).blocks()).containsExactly(1, 3);
    }

    @Test
    void skippingEveryBlockIsReportedNotAnEmptyPlan() {
        assertThatThrownBy(() -> ExecutionPolicy.random().skipping(b -> true).plan(4))
                .isInstanceOf(NoBlockAvailableException.class).hasMessageContaining("unavailable");
    }

    @Test
    void modifiersApplyInTheOrderWritten() {
        // skip, then keep: six of the available blocks
        assertThat(ExecutionPolicy.sequential().without(0, 1).keep(3).plan(12).blocks()).containsExactly(2, 3, 4);
        // keep, then skip: what is left of the first three
        assertThat(ExecutionPolicy.sequential().keep(3).without(0, 1).plan(12).blocks()).containsExactly(2);
    }

    @Test
    void composedPoliciesNeverRepeatOrEmpty() {
        // skip first: availability then constrains what drop and keep choose from
        ExecutionPolicy policy = ExecutionPolicy.random(2).without(4).drop(0.5).keep(5);
        for (int i = 0; i < 3000; i++) {
            assertThat(policy.plan(10).blocks()).isNotEmpty().doesNotHaveDuplicates().doesNotContain(4)
                    .hasSizeLessThanOrEqualTo(5);
        }
    }

    @Test
    void replayRunsThePlanAgainAndChecksTheModelSize() {
        ExecutionPlan plan = ExecutionPolicy.random(1).plan(6);
        assertThat(ExecutionPolicy.replay(plan).plan(6)).isEqualTo(plan);
        assertThatThrownBy(() -> ExecutionPolicy.replay(plan).plan(7)).hasMessageContaining("7");
    }

    @Test
    void badBlockCountIsRejected() {
        assertThatThrownBy(() -> ExecutionPolicy.random().plan(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 0");
    }

    @Test
    void seededMakesAnyPolicyReproducible() {
        ExecutionPolicy a = ExecutionPolicy.sequential().drop(0.5).seeded(99);
        ExecutionPolicy b = ExecutionPolicy.sequential().drop(0.5).seeded(99);
        for (int i = 0; i < 50; i++) {
            assertThat(a.plan(12)).isEqualTo(b.plan(12));
        }
    }

    @Test
    void customPoliciesGainTheModifiers() {
        ExecutionPolicy everyOther = new ExecutionPolicy() {
            @Override
            public ExecutionPlan plan(int n) {
                return plan(n, null);
            }

            @Override
            public ExecutionPlan planForPass(int n, long pass) {
                return plan(n, null);
            }

            @Override
            public ExecutionPlan plan(int n, RandomGenerator random) {
                return ExecutionPlan.of(n, java.util.stream.IntStream.range(0, n).filter(i -> i % 2 == 0).toArray());
            }
        };
        assertThat(everyOther.keep(2).plan(8).blocks()).containsExactly(0, 2);
    }

    @Test
    void toStringDescribesThePolicy() {
        assertThat(ExecutionPolicy.random(4).keep(6)).hasToString("random(4).keep(6)");
        assertThat(ExecutionPolicy.sequential().drop(0.2)).hasToString("sequential().drop(0.2)");
    }
}
