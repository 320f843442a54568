package io.github.layershuffle.cli.experiment;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.bench.ModelFlops;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * How long an experiment takes on the 2-core machine the small preset was measured on, from the matrix-product
 * work of each unit ({@link ModelFlops}) and two rates calibrated on that measured run (docs/small/RESULTS.md, preset
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
 * An estimate, not a measurement: a machine shared with other work is slower (docs/small/RESULTS.md saw 2 to 30
 * times slower epochs with PyTorch's default threads and a competing process).
 *
 * <p><b>Scaled to today's machine.</b> {@link #scaledSeconds} multiplies the estimate by how much slower this
 * machine runs {@link SpeedProbe#trainingStep()} (training steps of the {@code standard} preset's model) than the
 * calibration machine did. That machine's probe rate was not recorded, so {@link #CALIBRATION_PROBE_GFLOPS} is
 * inferred from a measured pair of one machine: on 2026-12-02 (Intel Xeon, 2 cores, 2 PyTorch threads, the
 * launcher's defaults) the {@code standard} preset's base epochs took {@value #REFERENCE_BASE_EPOCH_SECONDS} s
 * (mean of its epochs {@value #REFERENCE_EPOCHS}, the run RESULTS.md reports) and the probe gave
 * {@value #REFERENCE_PROBE_GFLOPS} GFLOP/s (median of {@value #REFERENCE_PROBE_RUNS} fresh processes, 61.6 to
 * 68.3, at about 15:29 UTC with nothing else running). The calibrated rates estimate such an epoch at
 * {@link #baseEpochSeconds} of the preset; the machine that ran them at that pace is taken to have run the probe
 * as much faster as the measured epoch was slower. Until 2026-12-02 the probe was a matrix product alone
 * ({@link SpeedProbe#libtorch()}, still recorded in {@code state.json} as {@code probeGflopsPerSecond}); it grew
 * 4.7x from the first machine to the second while an epoch got 2.6x faster, so the estimate it scaled understated
 * the second machine's run by 2.7x (docs/PROTOCOL.md). The training probe measures the work itself; whether it
 * tracks a third CPU as well is not yet measured.
 */
public final class CostEstimate {
    /** Seconds per GFLOP of training work: 51 s / (170,000 image-passes x 14.36 MFLOP) of the small preset. */
    public static final double TRAIN_SECONDS_PER_GFLOP = 0.0209;
    /** Seconds per GFLOP of evaluation work: 1,084 s / (2.91 M image-passes x 14.36 MFLOP). */
    public static final double EVAL_SECONDS_PER_GFLOP = 0.0259;

    /** Mean seconds of the {@code standard} preset's base epochs measured on 2026-12-02 (Intel Xeon, 2 threads). */
    public static final double REFERENCE_BASE_EPOCH_SECONDS = 35.21;
    /** Which base epochs of that run {@link #REFERENCE_BASE_EPOCH_SECONDS} averages. */
    public static final String REFERENCE_EPOCHS = "1 to 15 (30.7 to 46.1 s)";
    /** {@link SpeedProbe#trainingStep()} on that machine at 2 threads, GFLOP/s. */
    public static final double REFERENCE_PROBE_GFLOPS = 65.7;
    /** How many probe runs {@link #REFERENCE_PROBE_GFLOPS} is the median of. */
    public static final int REFERENCE_PROBE_RUNS = 5;
    /**
     * The training probe's rate, GFLOP/s, of the machine the rates were calibrated on: inferred (see the class
     * comment), {@code REFERENCE_PROBE_GFLOPS * REFERENCE_BASE_EPOCH_SECONDS / baseEpochSeconds(standard)}.
     */
    public static final double CALIBRATION_PROBE_GFLOPS = REFERENCE_PROBE_GFLOPS * REFERENCE_BASE_EPOCH_SECONDS
            / baseEpochSeconds(ExperimentSettings.standard());

    private CostEstimate() {
    }

    /** The calibrated estimate of one base epoch of {@code s} (training and validation images). */
    public static double baseEpochSeconds(ExperimentSettings s) {
        return epoch(s, s.model()) / 1e9 * TRAIN_SECONDS_PER_GFLOP;
    }

    /**
     * How much longer than calibrated the work takes on a machine whose probe runs at {@code probeGflops}:
     * {@code CALIBRATION_PROBE_GFLOPS / probeGflops}.
     *
     * @throws IllegalArgumentException if {@code probeGflops} is not a positive finite number
     */
    public static double slowdown(double probeGflops) {
        if (!(probeGflops > 0) || Double.isInfinite(probeGflops)) {
            throw new IllegalArgumentException("probe rate must be a positive number of GFLOP/s, was " + probeGflops);
        }
        return CALIBRATION_PROBE_GFLOPS / probeGflops;
    }

    /**
     * {@link #seconds} scaled to a machine whose probe runs at {@code probeGflops}, or empty as {@link #seconds}.
     *
     * @throws IllegalArgumentException as {@link #slowdown}
     */
    public static OptionalDouble scaledSeconds(ExperimentSettings s, double probeGflops) {
        double factor = slowdown(probeGflops);
        OptionalDouble calibrated = seconds(s);
        return calibrated.isPresent() ? OptionalDouble.of(calibrated.getAsDouble() * factor) : calibrated;
    }

    /**
     * Both estimates of {@code s} as a line for the console, e.g. {@code estimated 138 minutes at the
     * calibration's speed ...; speed probe (training step of the standard model at batch 128, libtorch) 65.7 GFLOP/s,
     * 45.3 at the calibration (1.45x faster now): about 95 minutes on this machine now}, or the probe alone when
     * the data sizes are unknown.
     *
     * @throws IllegalArgumentException as {@link #slowdown}
     */
    public static String describe(ExperimentSettings s, double probeGflops) {
        double factor = slowdown(probeGflops);
        String probe = String.format(Locale.ROOT, "speed probe (%s, libtorch) %.1f GFLOP/s, %.1f at the "
                + "calibration (%s)", SpeedProbe.stepShape(), probeGflops, CALIBRATION_PROBE_GFLOPS,
                factor >= 1 ? String.format(Locale.ROOT, "%.2fx slower now", factor)
                        : String.format(Locale.ROOT, "%.2fx faster now", 1 / factor));
        OptionalDouble calibrated = seconds(s);
        if (calibrated.isEmpty()) {
            return probe + "; no estimate: the preset's data sizes are those of the data given";
        }
        return String.format(Locale.ROOT, "estimated %.0f minutes at the calibration's speed (rates of the small "
                + "preset's measured run, OMP_NUM_THREADS=1); %s: about %.0f minutes on this machine now",
                calibrated.getAsDouble() / 60, probe, calibrated.getAsDouble() * factor / 60);
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
