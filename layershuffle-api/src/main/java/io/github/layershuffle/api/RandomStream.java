package io.github.layershuffle.api;

import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.random.RandomGenerator;

/**
 * A thread-safe, reproducible stream of per-pass generators: pass {@code k} of seed {@code s} always gets
 * the same generator, whichever thread asks and in whatever order, so a seeded policy shared by many
 * threads still hands out each plan of its sequence exactly once.
 */
final class RandomStream {
    private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

    private final long seed;
    private final boolean seeded;
    private final AtomicLong nextPass = new AtomicLong();

    private RandomStream(long seed, boolean seeded) {
        this.seed = seed;
        this.seeded = seeded;
    }

    static RandomStream seeded(long seed) {
        return new RandomStream(seed, true);
    }

    static RandomStream unseeded() {
        return new RandomStream(new SecureRandom().nextLong(), false);
    }

    /** A stream with the same seed and its own pass counter (unseeded streams get a new random seed). */
    RandomStream fresh() {
        return seeded ? seeded(seed) : unseeded();
    }

    RandomGenerator next() {
        return forPass(nextPass.getAndIncrement());
    }

    RandomGenerator forPass(long pass) {
        if (pass < 0) {
            throw new IllegalArgumentException("pass must be >= 0, was " + pass);
        }
        return new SplittableRandom(mix64(seed + (pass + 1) * GOLDEN_GAMMA));
    }

    /** Stafford's variant 13 of the MurmurHash3 finalizer, as SplittableRandom uses. */
    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    public String toString() {
        return seeded ? "seed=" + seed : "unseeded";
    }

    boolean isSeeded() {
        return seeded;
    }
}
