package io.github.layershuffle.cli.search;

import java.util.List;

/**
 * The best recipe a search found for one budget.
 *
 * @param budget      the number of slots
 * @param recipe      the slots in execution order
 * @param validation  its score on the validation images the search optimised
 * @param evaluations recipes measured for this budget
 * @param generations generations run
 * @param seconds     wall time of this budget's search
 * @param bestByGeneration the best validation accuracy found so far, after each generation
 */
public record SearchResult(int budget, List<BlockRef> recipe, RecipeEvaluator.Score validation, long evaluations,
                           long generations, double seconds, List<Double> bestByGeneration) {

    /** Copies the lists. */
    public SearchResult {
        recipe = List.copyOf(recipe);
        bestByGeneration = List.copyOf(bestByGeneration);
    }
}
