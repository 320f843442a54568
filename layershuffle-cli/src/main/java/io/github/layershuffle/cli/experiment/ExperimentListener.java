package io.github.layershuffle.cli.experiment;

import io.github.layershuffle.cli.search.SearchListener;
import io.github.layershuffle.train.eval.EvaluationListener;
import io.github.layershuffle.train.training.ProgressListener;

/**
 * Hears how an {@link Experiment} progresses; the CLI draws progress bars with it. Library code never prints.
 * Every method has a default that ignores the event.
 */
public interface ExperimentListener {

    /** A unit is about to run ({@code index} from 1 of {@code total}). */
    default void unitStarted(String unit, int index, int total) {
    }

    /** A unit finished ({@code ran}) or was found finished by an earlier invocation (not {@code ran}). */
    default void unitFinished(String unit, boolean ran, double seconds) {
    }

    /** Where the training runs report their epochs and steps. */
    default ProgressListener training() {
        return ProgressListener.none();
    }

    /** Where evaluations report their batches. */
    default EvaluationListener evaluation() {
        return EvaluationListener.NONE;
    }

    /** Where the recipe searches report their generations. */
    default SearchListener search() {
        return SearchListener.NONE;
    }

    /** A listener that ignores everything. */
    static ExperimentListener none() {
        return new ExperimentListener() {
        };
    }
}
