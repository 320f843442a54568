package io.github.layershuffle.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ConcurrencyTest {

    /**
     * One seeded policy shared by 8 threads hands out each plan of its stream exactly once: the multiset of
     * plans equals what a single thread draws from the same seed.
     */
    @Test
    void oneSeededPolicySharedByManyThreadsYieldsItsStreamExactlyOnce() throws Exception {
        int threads = 8;
        int perThread = 500;
        ExecutionPolicy shared = ExecutionPolicy.random(123).drop(0.1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Callable<List<ExecutionPlan>>> tasks = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                tasks.add(() -> {
                    List<ExecutionPlan> plans = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        plans.add(shared.plan(12));
                    }
                    return plans;
                });
            }
            List<ExecutionPlan> concurrent = new ArrayList<>();
            for (Future<List<ExecutionPlan>> f : pool.invokeAll(tasks)) {
                concurrent.addAll(f.get());
            }
            ExecutionPolicy single = ExecutionPolicy.random(123).drop(0.1);
            List<ExecutionPlan> sequential = new ArrayList<>();
            for (int i = 0; i < threads * perThread; i++) {
                sequential.add(single.plan(12));
            }
            assertThat(concurrent).containsExactlyInAnyOrderElementsOf(sequential);
            Set<ExecutionPlan> distinct = new HashSet<>(concurrent);
            assertThat(distinct.size()).isGreaterThan(threads * perThread * 9 / 10);
        } finally {
            pool.shutdownNow();
        }
    }
}
