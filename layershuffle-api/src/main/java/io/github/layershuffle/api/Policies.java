package io.github.layershuffle.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/** The implementations behind {@link ExecutionPolicy}'s factories and modifiers. */
final class Policies {

    static final ExecutionPolicy SEQUENTIAL = new Sequential(false, RandomStream.unseeded());
    static final ExecutionPolicy REVERSED = new Sequential(true, RandomStream.unseeded());

    private Policies() {
    }

    /** Adapts a policy implemented outside this package so modifiers can wrap it. */
    static AbstractPolicy base(ExecutionPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        if (policy instanceof AbstractPolicy p) {
            return p;
        }
        return new Custom(policy, RandomStream.unseeded());
    }

    static IntPredicate setOf(int... blocks) {
        BitSet set = new BitSet();
        for (int b : blocks) {
            if (b < 0) {
                throw new IllegalArgumentException("block index must be >= 0, was " + b);
            }
            set.set(b);
        }
        return set::get;
    }

    /** Holds the random stream; every policy of this package extends it. */
    abstract static class AbstractPolicy implements ExecutionPolicy {
        final RandomStream stream;

        AbstractPolicy(RandomStream stream) {
            this.stream = stream;
        }

        /** This policy (and what it wraps) drawing from {@code newStream}. */
        abstract AbstractPolicy withStream(RandomStream newStream);

        /** The order of this policy before any check that it is non-empty. */
        abstract List<Integer> order(int blockCount, RandomGenerator random);

        @Override
        public final ExecutionPlan plan(int blockCount) {
            checkCount(blockCount);
            return plan(blockCount, stream.next());
        }

        @Override
        public final ExecutionPlan planForPass(int blockCount, long pass) {
            checkCount(blockCount);
            return plan(blockCount, stream.forPass(pass));
        }

        @Override
        public final ExecutionPlan plan(int blockCount, RandomGenerator random) {
            checkCount(blockCount);
            Objects.requireNonNull(random, "random");
            return new ExecutionPlan(blockCount, order(blockCount, random));
        }

        /** For bases whose own text does not show the seed: {@code .seeded(s)} when seeded, so text round-trips. */
        String seedSuffix() {
            return stream.isSeeded() ? ".seeded(" + stream.toString().substring(5) + ")" : "";
        }

        static void checkCount(int blockCount) {
            if (blockCount < 1) {
                throw new IllegalArgumentException("blockCount must be at least 1, was " + blockCount);
            }
        }
    }

    static final class Sequential extends AbstractPolicy {
        private final boolean reversed;

        Sequential(boolean reversed, RandomStream stream) {
            super(stream);
            this.reversed = reversed;
        }

        @Override
        AbstractPolicy withStream(RandomStream newStream) {
            return new Sequential(reversed, newStream);
        }

        @Override
        List<Integer> order(int n, RandomGenerator random) {
            List<Integer> order = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                order.add(reversed ? n - 1 - i : i);
            }
            return order;
        }

        @Override
        public String toString() {
            return (reversed ? "reversed()" : "sequential()") + seedSuffix();
        }
    }

    static final class Shuffled extends AbstractPolicy {
        Shuffled(RandomStream stream) {
            super(stream);
        }

        @Override
        AbstractPolicy withStream(RandomStream newStream) {
            return new Shuffled(newStream);
        }

        @Override
        List<Integer> order(int n, RandomGenerator random) {
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            // Fisher-Yates: each of the n! permutations equally likely.
            for (int i = n - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                Integer t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            return new ArrayList<>(Arrays.asList(order));
        }

        @Override
        public String toString() {
            return stream.isSeeded() ? "random(" + stream.toString().substring(5) + ")" : "random()";
        }
    }

    static final class Fixed extends AbstractPolicy {
        private final int[] order;

        Fixed(int[] order) {
            this(checked(order), RandomStream.unseeded());
        }

        private Fixed(int[] order, RandomStream stream) {
            super(stream);
            this.order = order;
        }

        private static int[] checked(int[] order) {
            Objects.requireNonNull(order, "order");
            String call = "fixed(" + Arrays.stream(order).mapToObj(Integer::toString)
                    .collect(Collectors.joining(", ")) + ")";
            if (order.length == 0) {
                throw new IllegalArgumentException(call + ": a fixed order must name at least one block");
            }
            BitSet seen = new BitSet();
            for (int b : order) {
                if (b < 0) {
                    throw new IllegalArgumentException(call + ": block index " + b + " is negative");
                }
                if (seen.get(b)) {
                    throw new IllegalArgumentException(call + ": block " + b + " appears twice");
                }
                seen.set(b);
            }
            return order.clone();
        }

        @Override
        AbstractPolicy withStream(RandomStream newStream) {
            return new Fixed(order, newStream);
        }

        @Override
        List<Integer> order(int n, RandomGenerator random) {
            List<Integer> list = new ArrayList<>(order.length);
            for (int b : order) {
                if (b >= n) {
                    throw new IllegalArgumentException(this + ": block " + b
                            + " is out of range for a model of " + n + " blocks [0, " + n + ")");
                }
                list.add(b);
            }
            return list;
        }

        @Override
        public String toString() {
            return "fixed(" + Arrays.stream(order).mapToObj(Integer::toString)
                    .collect(Collectors.joining(", ")) + ")" + seedSuffix();
        }
    }

    static final class Replay extends AbstractPolicy {
        private final ExecutionPlan plan;

        Replay(ExecutionPlan plan) {
            this(Objects.requireNonNull(plan, "plan"), RandomStream.unseeded());
        }

        private Replay(ExecutionPlan plan, RandomStream stream) {
            super(stream);
            this.plan = plan;
        }

        @Override
        AbstractPolicy withStream(RandomStream newStream) {
            return new Replay(plan, newStream);
        }

        @Override
        List<Integer> order(int n, RandomGenerator random) {
            if (n != plan.blockCount()) {
                throw new IllegalArgumentException("replay(" + plan + ") was planned for " + plan.blockCount()
                        + " blocks, the model has " + n);
            }
            return new ArrayList<>(plan.blocks());
        }

        @Override
        public String toString() {
            return "fixed(" + plan.blocks().stream().map(String::valueOf).collect(Collectors.joining(", "))
                    + ")" + seedSuffix();
        }
    }

    static final class Keep extends AbstractPolicy {
        private final AbstractPolicy inner;
        private final int k;

        Keep(AbstractPolicy inner, int k) {
            this(inner, k, inner.stream.fresh());
            if (k < 1) {
                throw new IllegalArgumentException("keep(" + k + "): at least one block must be kept");
            }
        }

        private Keep(AbstractPolicy inner, int k, RandomStream stream) {
            super(stream);
            this.inner = inner;
            this.k = k;
        }

        @Override
        AbstractPolicy withStream(RandomStream newStream) {
            return new Keep(inner.withStream(newStream), k, newStream);
        }

        @Override
        List<Integer> order(int n, RandomGenerator random) {
            if (k > n) {
                throw new IllegalArgumentException("keep(" + k + ") exceeds the " + n
                        + " blocks of this model; k must be in [1, " + n + "]");
            }
            List<Integer> order = inner.order(n, random);
            return order.size() <= k ? order : new ArrayList<>(order.subList(0, k));
        }

        @Override
        public String toString() {
            return inner + ".keep(" + k + ")";
        }
    }

    static final class Drop extends AbstractPolicy {
        private final AbstractPolicy inner;
        private final double p;

        Drop(AbstractPolicy inner, double p) {
            this(inner, checked(p), inner.stream.fresh());
        }

        private Drop(AbstractPolicy inner, double p, RandomStream stream) {
            super(stream);
            this.inner = inner;
            this.p = p;
        }

        private static double checked(double p) {
            if (!(p >= 0.0 && p < 1.0)) {
                throw new IllegalArgumentException("drop(" + p + "): the probability must be in [0, 1)");
            }
            return p;
        }

        @Override
        AbstractPolicy withStream(RandomStream newStream) {
            return new Drop(inner.withStream(newStream), p, newStream);
        }

        @Override
        List<Integer> order(int n, RandomGenerator random) {
            List<Integer> order = inner.order(n, random);
            if (order.isEmpty()) {
                return order;
            }
            List<Integer> kept = new ArrayList<>(order.size());
            for (Integer b : order) {
                if (random.nextDouble() >= p) {
                    kept.add(b);
                }
            }
            if (kept.isEmpty()) {
                kept.add(order.get(random.nextInt(order.size())));
            }
            return kept;
        }

        @Override
        public String toString() {
            return inner + ".drop(" + p + ")";
        }
    }

    static final class Skipping extends AbstractPolicy {
        private final AbstractPolicy inner;
        private final IntPredicate unavailable;
        private final String description;

        Skipping(AbstractPolicy inner, IntPredicate unavailable) {
            this(inner, Objects.requireNonNull(unavailable, "unavailable"), "skipping(...)", inner.stream.fresh());
        }

        Skipping(AbstractPolicy inner, int[] blocks) {
            this(inner, setOf(blocks), "without(" + Arrays.stream(blocks).mapToObj(Integer::toString)
                    .collect(Collectors.joining(", ")) + ")", inner.stream.fresh());
        }

        private Skipping(AbstractPolicy inner, IntPredicate unavailable, String description, RandomStream stream) {
            super(stream);
            this.inner = inner;
            this.unavailable = unavailable;
            this.description = description;
        }

        @Override
        AbstractPolicy withStream(RandomStream newStream) {
            return new Skipping(inner.withStream(newStream), unavailable, description, newStream);
        }

        @Override
        List<Integer> order(int n, RandomGenerator random) {
            List<Integer> order = inner.order(n, random);
            List<Integer> available = new ArrayList<>(order.size());
            for (Integer b : order) {
                if (!unavailable.test(b)) {
                    available.add(b);
                }
            }
            if (available.isEmpty()) {
                throw new NoBlockAvailableException("no block left to run: all of " + order
                        + " are unavailable (" + this + ")");
            }
            return available;
        }

        @Override
        public String toString() {
            return inner + "." + description;
        }
    }

    /** A policy implemented by a user, given a stream so that modifiers and {@code plan(n)} work on it. */
    static final class Custom extends AbstractPolicy {
        private final ExecutionPolicy delegate;

        Custom(ExecutionPolicy delegate, RandomStream stream) {
            super(stream);
            this.delegate = delegate;
        }

        @Override
        AbstractPolicy withStream(RandomStream newStream) {
            return new Custom(delegate, newStream);
        }

        @Override
        List<Integer> order(int n, RandomGenerator random) {
            ExecutionPlan plan = delegate.plan(n, random);
            if (plan.blockCount() != n) {
                throw new IllegalArgumentException(delegate + " returned a plan for " + plan.blockCount()
                        + " blocks when asked for " + n);
            }
            return new ArrayList<>(plan.blocks());
        }

        @Override
        public String toString() {
            return delegate.toString();
        }
    }
}
