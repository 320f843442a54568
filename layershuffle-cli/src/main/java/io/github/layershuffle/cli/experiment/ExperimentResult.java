package io.github.layershuffle.cli.experiment;

import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.eval.SlotConfusion;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an {@link Experiment} has measured so far: the numbers, the probe's 2-D projections, and how long
 * each finished unit took. A result of an unfinished run holds what its finished units wrote.
 *
 * @param settings     what was run
 * @param directory    the run directory
 * @param measurements per method and metric, the values
 * @param probePlots   per probed method, one block's outputs projected to 2-D, coloured by slot
 * @param units        every finished unit and its duration, in the order the experiment runs them
 * @param pending      units not finished yet (empty when the run is complete)
 * @param epochSeconds per training ({@code base}, {@code <method>-s<seed>}), the seconds of each epoch
 * @param invocations  the invocations that ran units, in the order they started
 * @param validationCurves per training ({@code base}, {@code <method>-s<seed>}, {@code control-d<k>}), the
 *                     validation accuracy after each epoch
 * @param positionCurves per training of a method that predicts its slot ({@code <method>-s<seed>}), the
 *                     fraction of validation (slot, image) pairs whose slot it predicted right after each epoch:
 *                     how far the predictor had got when training stopped (empty for runs recorded without it)
 * @param bestEpochs   per training, the epoch whose checkpoint was kept (lowest validation loss); the models
 *                     after it are built on that epoch's weights
 * @param slotConfusions per method that predicts its slot, the confusion matrix summed over its seeds
 * @param searches     per searched method, the recipe search's recipes and limits (its numbers are in
 *                     {@code measurements}, {@link Measurements#search(int, String)})
 */
public record ExperimentResult(ExperimentSettings settings, Path directory, Measurements measurements,
                               Map<Variant, ProbePlot> probePlots, List<UnitTime> units, List<String> pending,
                               Map<String, List<Double>> epochSeconds, List<Invocation> invocations,
                               Map<String, List<Double>> validationCurves,
                               Map<String, List<Double>> positionCurves, Map<String, Integer> bestEpochs,
                               Map<Variant, SlotConfusion> slotConfusions, Map<Variant, SearchRun> searches) {

    /** Copies the collections. */
    public ExperimentResult {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(directory, "directory");
        Objects.requireNonNull(measurements, "measurements");
        probePlots = Map.copyOf(probePlots);
        units = List.copyOf(units);
        pending = List.copyOf(pending);
        epochSeconds = Map.copyOf(epochSeconds);
        invocations = List.copyOf(invocations);
        validationCurves = Map.copyOf(validationCurves);
        positionCurves = Map.copyOf(positionCurves);
        bestEpochs = Map.copyOf(bestEpochs);
        slotConfusions = Map.copyOf(slotConfusions);
        searches = Map.copyOf(searches);
    }

    /**
     * A finished recipe search over one method's models.
     *
     * @param models           the models searched over (seeds 1 to this)
     * @param stemAndHead      the export whose stem and head every row ran on (model 1)
     * @param validationImages validation images the search optimised on
     * @param testImages       test images every row was measured on
     * @param finished         when the unit finished (ISO-8601)
     * @param budgets          per budget, in the order searched
     */
    public record SearchRun(int models, String stemAndHead, int validationImages, int testImages, String finished,
                            List<SearchBudget> budgets) {
        /** Copies the list. */
        public SearchRun {
            budgets = List.copyOf(budgets);
        }
    }

    /**
     * What the search found for one budget.
     *
     * @param budget      blocks in the recipe
     * @param recipe      the slots in order: {@code (model seed, block)}
     * @param evaluations recipes measured
     * @param generations generations run
     * @param seconds     wall time of the search (not of the test measurements)
     * @param stoppedBy   {@code evaluations} or {@code time}: the limit that ended it
     */
    public record SearchBudget(int budget, List<Slot> recipe, long evaluations, long generations, double seconds,
                               String stoppedBy) {
        /** Copies the list. */
        public SearchBudget {
            recipe = List.copyOf(recipe);
        }
    }

    /**
     * One slot of a searched recipe.
     *
     * @param seed  the model (fine-tuning seed) the block comes from
     * @param block the block's index in that model
     */
    public record Slot(int seed, int block) {
        /** {@code s<seed>/b<block>}, e.g. {@code s3/b7}. */
        @Override
        public String toString() {
            return "s" + seed + "/b" + block;
        }
    }

    /**
     * The method a training or unit names: {@code layershuffle-position} for {@code layershuffle-position-s2}
     * (a fine-tune, the keys of {@link #positionCurves}) or {@code layershuffle-position} (a unit's method part).
     *
     * @throws IllegalArgumentException if the name, less a {@code -s<seed>} suffix, is no method's id
     */
    public static Variant methodOf(String run) {
        return Variant.fromId(run.replaceFirst("-s\\d+$", ""));
    }

    /** Whether every unit has finished. */
    public boolean isComplete() {
        return pending.isEmpty();
    }

    /**
     * One block's outputs in 2-D (first two principal components), with the slot it ran in.
     *
     * @param block the block index
     * @param xy    {@code [image][2]}
     * @param slots the slot of each point
     */
    public record ProbePlot(int block, double[][] xy, int[] slots) {
    }

    /**
     * One invocation of the experiment that ran units.
     *
     * @param started  when it started (ISO-8601)
     * @param command  the command line it recorded
     * @param unitsRun how many units it ran
     * @param threads  the PyTorch thread settings it ran with; empty for the defaults or when not recorded
     * @param probeGflopsPerSecond the rate its {@link SpeedProbe} measured before it ran units, GFLOP/s;
     *                 {@code NaN} when not recorded (states written before the probe existed)
     * @param wallSeconds   seconds from its start to its end, {@code NaN} when it did not finish (it was stopped
     *                 or died, or still runs)
     */
    public record Invocation(String started, String command, int unitsRun, String threads,
                             double probeGflopsPerSecond, double wallSeconds) {
    }

    /**
     * A finished unit and its duration.
     *
     * @param unit    its name, e.g. {@code train-layershuffle-s1}
     * @param seconds wall time of the invocation that ran it
     */
    public record UnitTime(String unit, double seconds) {
    }
}
