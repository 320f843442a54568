package io.github.layershuffle.cli.search;

/** Progress of a {@link RecipeSearch}; called on the searching thread. The default methods do nothing. */
public interface SearchListener {
    /** Does nothing. */
    SearchListener NONE = new SearchListener() {
    };

    /** A search for {@code budget} blocks starts, with at most {@code maxEvaluations} recipes to measure. */
    default void budgetStarted(int budget, long maxEvaluations) {
    }

    /**
     * A generation ended.
     *
     * @param evaluations  recipes measured so far for this budget
     * @param bestAccuracy the best validation accuracy so far for this budget
     */
    default void generation(int budget, long generation, long evaluations, double bestAccuracy) {
    }

    /** The search for one budget ended. */
    default void budgetDone(SearchResult result) {
    }
}
