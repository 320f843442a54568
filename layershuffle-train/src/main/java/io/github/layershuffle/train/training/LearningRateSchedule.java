package io.github.layershuffle.train.training;

/**
 * The learning rate of each optimiser step, a pure function of the step index so a resumed run continues
 * the same schedule.
 *
 * <pre>{@code
 * LearningRateSchedule lr = LearningRateSchedule.warmupCosine(1e-4, 500, 20_000);
 * float first = lr.rate(0);    // 2e-7
 * float peak = lr.rate(499);   // 1e-4
 * }</pre>
 */
@FunctionalInterface
public interface LearningRateSchedule {

    /** The learning rate of step {@code step} (0-based). */
    float rate(long step);

    /**
     * The same rate at every step.
     *
     * @throws IllegalArgumentException if {@code rate} is not finite and positive
     */
    static LearningRateSchedule constant(double rate) {
        check(rate);
        float r = (float) rate;
        return step -> r;
    }

    /**
     * Linear warm-up from {@code peak / warmup} at step 0 to {@code peak} at step {@code warmup - 1}, then a
     * cosine from {@code peak} down to 0 at step {@code total}; constant {@code peak} after warm-up if
     * {@code cosine} is false.
     *
     * @throws IllegalArgumentException if {@code peak} is not finite and positive, or {@code warmup} is
     *                                  negative or exceeds {@code total}
     */
    static LearningRateSchedule warmup(double peak, long warmup, long total, boolean cosine) {
        check(peak);
        if (warmup < 0 || total < 1 || warmup > total) {
            throw new IllegalArgumentException("warm-up of " + warmup + " steps must be in [0, " + total
                    + "] total steps");
        }
        return step -> {
            if (step < warmup) {
                return (float) (peak * (step + 1) / warmup);
            }
            if (!cosine || total == warmup) {
                return (float) peak;
            }
            double progress = Math.min(1.0, (double) (step - warmup) / (total - warmup));
            return (float) (peak * 0.5 * (1 + Math.cos(Math.PI * progress)));
        };
    }

    /** {@link #warmup(double, long, long, boolean)} with the cosine decay. */
    static LearningRateSchedule warmupCosine(double peak, long warmup, long total) {
        return warmup(peak, warmup, total, true);
    }

    /**
     * Linear warm-up as {@link #warmup(double, long, long, boolean)}, then a straight line from {@code peak}
     * down to 0 at step {@code total}: Hugging Face {@code get_linear_schedule_with_warmup}, the default of its
     * {@code Trainer}. Steps at or past {@code total} get 0.
     *
     * @throws IllegalArgumentException as {@link #warmup(double, long, long, boolean)}
     */
    static LearningRateSchedule warmupLinear(double peak, long warmup, long total) {
        check(peak);
        if (warmup < 0 || total < 1 || warmup > total) {
            throw new IllegalArgumentException("warm-up of " + warmup + " steps must be in [0, " + total
                    + "] total steps");
        }
        return step -> {
            if (step < warmup) {
                return (float) (peak * (step + 1) / warmup);
            }
            return total == warmup ? 0f : (float) (peak * Math.max(0.0, (double) (total - step) / (total - warmup)));
        };
    }

    private static void check(double rate) {
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw new IllegalArgumentException("learning rate must be finite and > 0, was " + rate);
        }
    }
}
