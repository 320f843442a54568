package io.github.layershuffle.cli.experiment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.training.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The paper's protocol at any scale, resumable: train a base model sequentially, fine-tune copies of it with
 * each method and seed, and measure every model (sequential and arbitrary order, pruning, position
 * prediction, linear probe of the slot, random merges, logit ensembles, and the same numbers through the
 * exported ONNX models for some methods).
 *
 * <pre>{@code
 * DatasetSplits data = FashionMnist.splits(FashionMnist.DEFAULT_DIRECTORY);
 * ExperimentResult result = Experiment.builder()
 *         .setSettings(ExperimentSettings.small())
 *         .setData(data)
 *         .setDirectory(Path.of("runs/experiment-small"))
 *         .build()
 *         .run();
 * result.measurements().stat(Variant.LAYERSHUFFLE, Measurements.ARBITRARY);
 * }</pre>
 *
 * <p>Each unit of work (a training or an evaluation) writes its result file atomically when it finishes,
 * and counts as done when that file exists; running the experiment again on the same directory skips the
 * finished units, resumes an interrupted training at its last finished epoch, and records in
 * {@code state.json} which units each invocation ran and skipped. A directory made with other settings is
 * refused, except that settings fields added since it was made ({@link ExperimentSettings#ADDED_FIELDS}, e.g. the
 * recipe search) take the current values: their units run after the old ones.
 */
public final class Experiment {
    private static final Logger LOG = LoggerFactory.getLogger(Experiment.class);

    private final ExperimentSettings settings;
    private final RunDirectory dir;
    private final DatasetSplits data;
    private final Checkpoint initial;
    private final ExperimentListener listener;
    private final String command;
    private final double probeGflops;

    private Experiment(Builder b) {
        settings = b.settings;
        dir = new RunDirectory(b.directory);
        data = b.data;
        initial = b.initial;
        listener = b.listener;
        command = b.command;
        probeGflops = b.probeGflops;
    }

    /** A builder; settings, data and directory are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The data as the experiment uses it: seeded subsets of the sizes the settings give. */
    public static DatasetSplits subset(DatasetSplits data, ExperimentSettings settings) {
        return new DatasetSplits(data.train().sample(settings.trainImages(), 1),
                data.validation().sample(settings.validationImages(), 2),
                data.test().sample(settings.testImages(), 3));
    }

    /**
     * One named piece of work; a training names its directory, whose resume state is dropped once the unit's
     * result is written (a finished unit is never trained again, and at ViT-B/16 size the state is 980 MiB).
     */
    private record Unit(String name, Supplier<ObjectNode> work, Path training) {
        Unit(String name, Supplier<ObjectNode> work) {
            this(name, work, null);
        }
    }

    /**
     * The units in the order they run: base; per seed every method's training, measurements and diagnostics;
     * the merge methods' further models; the Fig. 1b controls; per method its ensemble, merges and divergence;
     * per merge method the recipe search over its models.
     */
    private List<Unit> units(Units u) {
        DiagnosticUnits d = u == null ? null : new DiagnosticUnits(settings, u.data(), u);
        SearchUnits q = u == null ? null : new SearchUnits(settings, dir, u.data(), listener, u);
        List<Unit> list = new ArrayList<>();
        list.add(new Unit("train-base", () -> u.trainBase(), dir.base()));
        for (int seed = 1; seed <= settings.seeds(); seed++) {
            for (Variant m : settings.methods()) {
                int sd = seed;
                String name = RunDirectory.name(m, seed);
                list.add(new Unit("train-" + name, () -> u.fineTune(m, sd), dir.training(m, sd)));
                list.add(new Unit("eval-" + name, () -> u.evaluate(m, sd)));
                list.add(new Unit("diagnose-" + name, () -> d.diagnose(m, sd)));
                if (settings.probeMethods().contains(m)) {
                    list.add(new Unit("probe-" + name, () -> u.probe(m, sd)));
                }
                if (settings.ortMethods().contains(m)) {
                    list.add(new Unit("ort-" + name, () -> u.ort(m, sd)));
                }
            }
        }
        for (int seed = settings.seeds() + 1; seed <= settings.mergeModels(); seed++) {
            for (Variant m : settings.mergeMethods()) {
                int sd = seed;
                list.add(new Unit("train-" + RunDirectory.name(m, seed), () -> u.fineTune(m, sd),
                        dir.training(m, sd)));
            }
        }
        for (int depth : settings.controlDepths()) {
            list.add(new Unit("train-control-d" + depth, () -> u.trainControl(depth), dir.control(depth)));
            list.add(new Unit("eval-control-d" + depth, () -> u.evaluateControl(depth)));
        }
        for (Variant m : settings.methods()) {
            if (settings.models(m) > 1) {
                list.add(new Unit("ensemble-" + m.id(), () -> u.ensemble(m)));
                if (settings.mergeMethods().contains(m)) {
                    list.add(new Unit("merge-" + m.id(), () -> u.merge(m)));
                }
                list.add(new Unit("divergence-" + m.id(), () -> d.divergence(m)));
            }
        }
        // last, so that a run made before the search existed resumes with its units in their old order
        if (settings.search().enabled()) {
            for (Variant m : settings.mergeMethods()) {
                list.add(new Unit("search-" + m.id(), () -> q.search(m)));
            }
        }
        return list;
    }

    /** The names of every unit, in the order they run. */
    public List<String> unitNames() {
        return units(null).stream().map(Unit::name).toList();
    }

    /**
     * Runs every unit not finished yet, then returns all results.
     *
     * @throws LayerShuffleException if the directory was made with other settings, the data or a file
     *                               cannot be read or written, or a unit fails (finished units stay done)
     */
    public ExperimentResult run() {
        DatasetSplits used = subset(data, settings);
        ObjectNode state = dir.openState(settings.toJson(), command, ExperimentSettings.ADDED_FIELDS, probeGflops);
        Units u = new Units(settings, dir, used, initial, listener);
        List<Unit> units = units(u);
        int index = 0;
        for (Unit unit : units) {
            index++;
            if (dir.isDone(unit.name())) {
                dir.recordUnit(state, unit.name(), false, 0);
                listener.unitFinished(unit.name(), false, 0);
                continue;
            }
            listener.unitStarted(unit.name(), index, units.size());
            LOG.info("unit {} ({}/{})", unit.name(), index, units.size());
            long start = System.nanoTime();
            ObjectNode result = unit.work().get();
            double seconds = (System.nanoTime() - start) / 1e9;
            result.put("seconds", seconds);
            dir.writeResult(unit.name(), result);
            if (unit.training() != null) {
                TrainingRun.dropResumeState(unit.training());
            }
            dir.recordUnit(state, unit.name(), true, seconds);
            listener.unitFinished(unit.name(), true, seconds);
        }
        dir.finishState(state);
        return collect();
    }

    /** The results of the units finished so far, without running anything. */
    public ExperimentResult collect() {
        return ResultFiles.collect(settings, dir, unitNames());
    }

    /** Builds an {@link Experiment}. */
    public static final class Builder {
        private ExperimentSettings settings;
        private DatasetSplits data;
        private Path directory;
        private Checkpoint initial;
        private ExperimentListener listener = ExperimentListener.none();
        private String command = "";
        private double probeGflops = Double.NaN;

        private Builder() {
        }

        /** What to run. */
        public Builder setSettings(ExperimentSettings v) {
            settings = v;
            return this;
        }

        /** Train, validation and test data; the settings' sizes are taken from them as seeded subsets. */
        public Builder setData(DatasetSplits v) {
            data = v;
            return this;
        }

        /** The run directory (created if needed; resumed if it holds a run of the same settings). */
        public Builder setDirectory(Path v) {
            directory = v;
            return this;
        }

        /**
         * The weights the base model starts from (e.g. an imported Hugging Face ViT, adapted to the data's
         * classes); with {@code baseEpochs == 0} they are the base model. Default: fresh weights.
         */
        public Builder optInitial(Checkpoint v) {
            initial = v;
            return this;
        }

        /** Progress callbacks (default none). */
        public Builder optListener(ExperimentListener v) {
            listener = Objects.requireNonNull(v, "listener");
            return this;
        }

        /** The command line that started the run, recorded in the state file. */
        public Builder optCommand(String v) {
            command = Objects.requireNonNull(v, "command");
            return this;
        }

        /**
         * The rate a {@link SpeedProbe} measured on this machine before the run, GFLOP/s, recorded in the state
         * file and the report beside the times (default: none, {@code NaN}).
         *
         * @throws IllegalArgumentException if the rate is neither {@code NaN} nor positive and finite
         */
        public Builder optSpeedProbe(double gflopsPerSecond) {
            if (!Double.isNaN(gflopsPerSecond) && !(gflopsPerSecond > 0 && Double.isFinite(gflopsPerSecond))) {
                throw new IllegalArgumentException("speed probe rate must be positive GFLOP/s or NaN, was "
                        + gflopsPerSecond);
            }
            probeGflops = gflopsPerSecond;
            return this;
        }

        /**
         * The experiment.
         *
         * @throws IllegalArgumentException naming a missing part, a base of 0 epochs without initial weights, or
         *                                  data whose images or classes do not fit the model
         */
        public Experiment build() {
            if (settings == null || data == null || directory == null) {
                throw new IllegalArgumentException("an experiment needs " + (settings == null ? "setSettings"
                        : data == null ? "setData" : "setDirectory"));
            }
            if (settings.baseEpochs() == 0 && initial == null) {
                throw new IllegalArgumentException("preset " + settings.preset() + " trains no base model "
                        + "(baseEpochs 0): give the initial weights (e.g. --init-hf)");
            }
            var m = settings.model();
            var t = data.train();
            if (t.channels() != m.channels() || t.height() != m.imageSize() || t.width() != m.imageSize()
                    || t.classCount() != m.classes()) {
                throw new IllegalArgumentException("the data has " + t.classCount() + " classes of [" + t.channels()
                        + ", " + t.height() + ", " + t.width() + "] images; the model takes " + m.classes()
                        + " classes of [" + m.channels() + ", " + m.imageSize() + ", " + m.imageSize() + "]");
            }
            if (initial != null && !initial.config().withVariant(m.variant()).equals(m)) {
                throw new IllegalArgumentException("the initial weights have config " + initial.config().toJson()
                        + ", the settings' model is " + m.toJson());
            }
            return new Experiment(this);
        }
    }
}
