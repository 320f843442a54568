package io.github.layershuffle.train.eval;

import java.util.SplittableRandom;

/**
 * The random streams evaluations draw their plans from, kept apart from the streams training draws from.
 * Training seed {@code s} plans with {@code random(s)} (see {@code Variant.trainingPolicy}); if evaluation seed
 * {@code e} planned with {@code random(e)} too, evaluating fine-tune {@code s} with evaluation seed {@code s}
 * would replay the very orders it was trained on. {@link #stream(long)} maps an evaluation seed to a stream
 * seed of its own domain instead, so reports can keep numbering evaluation seeds 0, 1, 2, ...
 *
 * <pre>{@code
 * Evaluation e = evaluator.evaluate("ls", vit, ExecutionPolicy.random(), EvaluationSeeds.stream(1));
 * }</pre>
 */
public final class EvaluationSeeds {
    /** Mixed into every evaluation seed: the evaluation domain's tag ("layershuffle eval" as ASCII bits). */
    private static final long DOMAIN = 0x6c7368_6576616cL;

    private EvaluationSeeds() {
    }

    /**
     * The seed of the plan stream of evaluation seed {@code evaluationSeed}: a 64-bit mix of it and the
     * evaluation domain, so that it is no small integer and no training seed in practice.
     */
    public static long stream(long evaluationSeed) {
        return new SplittableRandom(evaluationSeed ^ DOMAIN).nextLong();
    }
}
