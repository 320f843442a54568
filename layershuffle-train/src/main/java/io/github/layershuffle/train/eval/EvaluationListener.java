package io.github.layershuffle.train.eval;

/**
 * Told how far an evaluation has got, after each batch; the CLI draws a progress bar with it. Called on the
 * evaluating thread; keep it quick.
 */
@FunctionalInterface
public interface EvaluationListener {

    /** A listener that ignores everything. */
    EvaluationListener NONE = (task, done, total) -> { };

    /**
     * Progress of one pass.
     *
     * @param task   what is being evaluated, e.g. {@code "best.safetensors random() seed 2"}
     * @param images images classified so far in this pass
     * @param total  images of the pass
     */
    void progress(String task, long images, long total);
}
