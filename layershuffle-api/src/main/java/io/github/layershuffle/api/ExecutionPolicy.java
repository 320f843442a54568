package io.github.layershuffle.api;

import java.util.function.IntPredicate;
import java.util.random.RandomGenerator;

/**
 * Decides, for one forward pass over {@code n} blocks, which blocks run and in what order.
 *
 * <p>One concept, one place: the same policy drives training (LayerShuffle draws {@link #random()},
 * LayerDrop {@code sequential().drop(0.2)}) and inference (the DJL encoder, the ONNX Runtime composer and the
 * swarm client all ask a policy for an {@link ExecutionPlan}).
 *
 * <pre>{@code
 * ExecutionPolicy policy = ExecutionPolicy.random(42)      // a fresh permutation per pass, reproducible
 *         .skipping(block -> block == 7)                    // block 7's node is down
 *         .keep(6);                                         // run only six blocks
 * ExecutionPlan plan = policy.plan(12);                     // e.g. [4, 0, 11, 2, 9, 5]
 * }</pre>
 *
 * <p>Modifiers apply in the order they are written: {@code random().keep(6)} runs six randomly chosen blocks
 * in random order, {@code sequential().keep(6)} the first six blocks in order. Write
 * {@link #skipping(IntPredicate)} first, so that availability constrains what {@link #drop(double)} and
 * {@link #keep(int)} choose from: {@code random().skipping(down).keep(6)} runs six available blocks, while
 * {@code random().keep(6).skipping(down)} runs what is left of six random blocks.
 *
 * <p>Policies made by this interface's factories are immutable and safe to share between threads. Each has
 * its own stream of random numbers: {@link #plan(int)} takes the next pass of that stream, so a policy made
 * with a seed yields the same sequence of plans on every run, and {@link #planForPass(int, long)} gives the
 * plan of any pass directly (what a resumed training run needs). Randomness is never global.
 */
public interface ExecutionPolicy {

    /**
     * The plan of the next pass of this policy's own random stream.
     *
     * @param blockCount the number of blocks of the model, at least 1
     * @throws IllegalArgumentException   if {@code blockCount < 1} or the policy cannot apply to that many blocks
     *                                    (e.g. {@code fixed(0, 12)} on 12 blocks)
     * @throws NoBlockAvailableException if every block is unavailable
     */
    ExecutionPlan plan(int blockCount);

    /**
     * The plan of pass number {@code pass} of this policy's random stream: {@code plan(n)} called for the
     * {@code pass}-th time (counting from 0) on a fresh seeded policy returns the same plan.
     *
     * @throws IllegalArgumentException as {@link #plan(int)}, or if {@code pass < 0}
     */
    ExecutionPlan planForPass(int blockCount, long pass);

    /**
     * The plan for one pass, drawing every random choice from {@code random}. This is the primitive the
     * other two methods call; use it to bring your own generator.
     *
     * @throws IllegalArgumentException as {@link #plan(int)}
     */
    ExecutionPlan plan(int blockCount, RandomGenerator random);

    /** All blocks, in their trained order. */
    static ExecutionPolicy sequential() {
        return Policies.SEQUENTIAL;
    }

    /** All blocks, last to first. */
    static ExecutionPolicy reversed() {
        return Policies.REVERSED;
    }

    /** All blocks, in a fresh uniformly random permutation for each pass (LayerShuffle). */
    static ExecutionPolicy random() {
        return new Policies.Shuffled(RandomStream.unseeded());
    }

    /** As {@link #random()}, with a reproducible stream of permutations. */
    static ExecutionPolicy random(long seed) {
        return new Policies.Shuffled(RandomStream.seeded(seed));
    }

    /**
     * Exactly these blocks in this order, e.g. {@code fixed(11, 0, 5)}; a subset of the blocks is allowed.
     *
     * @throws IllegalArgumentException if {@code order} is empty, or holds a negative or repeated index
     *                                  ("block 0 appears twice in fixed(0, 0, 3)"). An index past the
     *                                  model's last block is reported by {@link #plan(int)}.
     */
    static ExecutionPolicy fixed(int... order) {
        return new Policies.Fixed(order);
    }

    /**
     * Replays a plan that ran before.
     *
     * @throws IllegalArgumentException at {@link #plan(int)} if the model has another number of blocks than
     *                                  the plan was made for
     */
    static ExecutionPolicy replay(ExecutionPlan plan) {
        return new Policies.Replay(plan);
    }

    /**
     * Reads a policy from text: the form {@code toString()} writes, e.g. {@code random(42).keep(6)},
     * {@code sequential().drop(0.2).seeded(7)}, {@code fixed(3, 0, 2)}, {@code reversed().without(4)}; the
     * parentheses of argument-less names may be left out, and command lines may write {@code fixed:3,0,2}
     * and {@code random:42}. {@code shuffled} and {@code arbitrary} mean {@code random}. A
     * {@link #skipping(IntPredicate)} predicate has no text form; use {@code without(...)}.
     *
     * @throws IllegalArgumentException naming the text, the position and the grammar, or as the factory or
     *                                  modifier named
     */
    static ExecutionPolicy parse(String text) {
        return PolicyParser.parse(text);
    }

    /**
     * Runs only the first {@code k} blocks of this policy's plan (test-time pruning). If an earlier modifier
     * already left fewer than {@code k} blocks, all of them run.
     *
     * @throws IllegalArgumentException if {@code k < 1} here, or at {@link #plan(int)} if {@code k} exceeds
     *                                  the model's number of blocks
     */
    default ExecutionPolicy keep(int k) {
        return new Policies.Keep(Policies.base(this), k);
    }

    /**
     * LayerDrop: skips each block of this policy's plan independently with probability {@code p}; when all
     * would be skipped, one of them, chosen uniformly, still runs.
     *
     * @throws IllegalArgumentException if {@code p} is not in {@code [0, 1)}
     */
    default ExecutionPolicy drop(double p) {
        return new Policies.Drop(Policies.base(this), p);
    }

    /**
     * Leaves out the blocks for which {@code unavailable} is true, asked at each pass (a node that is down
     * now may be up at the next pass). The predicate must be thread-safe if the policy is shared.
     *
     * <p>{@link #plan(int)} throws {@link NoBlockAvailableException} when no block is left.
     */
    default ExecutionPolicy skipping(IntPredicate unavailable) {
        return new Policies.Skipping(Policies.base(this), unavailable);
    }

    /** Leaves out these blocks; see {@link #skipping(IntPredicate)}. */
    default ExecutionPolicy without(int... blocks) {
        return new Policies.Skipping(Policies.base(this), blocks.clone());
    }

    /** The same policy with a reproducible random stream; its modifiers draw from that stream too. */
    default ExecutionPolicy seeded(long seed) {
        return Policies.base(this).withStream(RandomStream.seeded(seed));
    }
}
