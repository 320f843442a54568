package io.github.layershuffle.cli.experiment;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.bench.ModelFlops;
import java.util.OptionalDouble;

/**
 * How long an experiment takes on the 2-core machine the small preset was measured on, from the matrix-product
 * work of each unit ({@link ModelFlops}) and two rates calibrated on that measured run (docs/RESULTS.md, preset
 * {@code small}, {@code OMP_NUM_THREADS=1}):
 * <ul>
 *   <li>training: an epoch of 55,000 training images plus the 5,000-image validation pass took 51 s (base, mean
 *       of 5) and 50 s (fine-tuning, mean of 30), i.e. {@value #TRAIN_SECONDS_PER_GFLOP} s per GFLOP of
 *       training work (3x the forward FLOPs per training image, 1x per validation image);</li>
 *   <li>evaluation: all its evaluation units (eval, ORT, ensembles, merges, probes: 291 passes over the 10,000
 *       test images at full depth, counted as {@link #seconds} counts them) took the other 1,084 s of the run's
 *       2,839 s, i.e. {@value #EVAL_SECONDS_PER_GFLOP} s per GFLOP of forward work. Exports, ONNX Runtime
 *       sessions and probe fits are inside that rate, so it overstates a pure DJL pass a little.</li>
 * </ul>
 * An estimate, not a measurement: a machine shared with other work is slower (docs/RESULTS.md saw 2 to 30
 * times slower epochs with PyTorch's default threads and a competing process).
 */
public final class CostEstimate {
    /** Seconds per GFLOP of training work: 51 s / (170,000 image-passes x 14.36 MFLOP) of the small preset. */
    public static final double TRAIN_SECONDS_PER_GFLOP = 0.0209;
    /** Seconds per GFLOP of evaluation work: 1,084 s / (2.91 M image-passes x 14.36 MFLOP). */
    public static final double EVAL_SECONDS_PER_GFLOP = 0.0259;

    private CostEstimate() {
    }

    /** The estimated wall time of every unit of {@code s}, or empty if a data size is "all" (unknown). */
    public static OptionalDouble seconds(ExperimentSettings s) {
        if (s.trainImages() == Integer.MAX_VALUE || s.validationImages() == Integer.MAX_VALUE
                || s.testImages() == Integer.MAX_VALUE) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(trainingSeconds(s) + evaluationSeconds(s));
    }

    /** The training units' part of {@link #seconds}. */
    static double trainingSeconds(ExperimentSettings s) {
        double flops = s.baseEpochs() * epoch(s, s.model());
        for (Variant m : s.methods()) {
            flops += s.models(m) * s.fineTuneEpochs() * epoch(s, s.model().withVariant(m));
        }
        for (int d : s.controlDepths()) {
            flops += s.fineTuneEpochs() * epoch(s, s.model().toBuilder().depth(d).build());
        }
        return flops / 1e9 * TRAIN_SECONDS_PER_GFLOP;
    }

    /** The evaluation units' part of {@link #seconds}, in full-depth forward passes over single images. */
    static double evaluationImagePasses(ExperimentSettings s) {
        int depth = s.model().depth();
        double perModel = 1 + s.evalSeeds();
        for (int k : s.keeps()) {
            if (k != depth) {
                perModel += (double) k / depth * (1 + s.evalSeeds());
            }
        }
        double passes = 0;
        for (Variant m : s.methods()) {
            double test = s.testImages();
            passes += s.seeds() * perModel * test;                                    // eval
            passes += s.seeds() * 2.0 * s.diagnosticImages();                         // diagnose
            if (s.probeMethods().contains(m)) {
                passes += s.seeds() * s.probeImages();                                // probe
            }
            if (s.ortMethods().contains(m)) {
                passes += s.seeds() * perModel * test;                                // ort
            }
            int models = s.models(m);
            if (models > 1) {
                passes += models * (1.0 + s.evalSeeds()) * test;                      // ensemble
                passes += models * test;                                              // divergence
                if (s.mergeMethods().contains(m)) {
                    passes += s.merges() * test;                                      // merge
                }
            }
        }
        for (int d : s.controlDepths()) {
            passes += (double) d / depth * s.testImages();
        }
        return passes;
    }

    /**
     * The recipe search's units, apart from {@link #seconds} (which estimates the protocol of issue 13): per merge
     * method and budget k, every recipe measured on the search's validation images as if no cache helped (an upper
     * bound: the prefix cache and the memo save part of it), then on the test images the searched recipe, each
     * model's {@code sequential().keep(k)} and {@code rounds} {@code random().keep(k)}, and {@code rounds} merges;
     * each pass costs k/depth of a full-depth one. 0 without a search; empty if a data size is "all".
     */
    public static OptionalDouble searchSeconds(ExperimentSettings s) {
        if (s.validationImages() == Integer.MAX_VALUE || s.testImages() == Integer.MAX_VALUE) {
            return OptionalDouble.empty();
        }
        SearchSettings q = s.search();
        int depth = s.model().depth();
        double images = Math.min(q.images(), s.validationImages());
        double passes = 0;
        for (Variant m : s.mergeMethods()) {
            for (int k : q.budgets()) {
                double share = (double) k / depth;
                passes += q.evaluations() * images * share;
                passes += (1 + s.models(m) * (1.0 + q.rounds()) + q.rounds()) * s.testImages() * share;
            }
        }
        return OptionalDouble.of(passes * ModelFlops.forwardPerImage(s.model()) / 1e9 * EVAL_SECONDS_PER_GFLOP);
    }

    private static double evaluationSeconds(ExperimentSettings s) {
        return evaluationImagePasses(s) * ModelFlops.forwardPerImage(s.model()) / 1e9 * EVAL_SECONDS_PER_GFLOP;
    }

    /** Training FLOPs of one epoch: the training images forward and backward, the validation images forward. */
    private static double epoch(ExperimentSettings s, ModelConfig c) {
        return s.trainImages() * ModelFlops.trainingPerImage(c) + s.validationImages() * ModelFlops.forwardPerImage(c);
    }
}
