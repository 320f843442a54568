package io.github.layershuffle.cli.experiment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What the experiment's recipe search does (issue 16): for each merge method, search on validation images the best
 * recipe of k blocks from its fine-tuned models, then measure it on the test images beside the fixed policies.
 *
 * <pre>{@code
 * SearchSettings s = new SearchSettings(List.of(3, 6), 400, 900, 2000, 40, 3);
 * }</pre>
 *
 * @param budgets     numbers of blocks searched for; empty for no search units
 * @param evaluations recipes measured per budget before the search stops
 * @param seconds     wall time per budget before the search stops (a bound for slow machines; the result records
 *                    which limit stopped it)
 * @param images      validation images the search optimises on (a seeded subset of the experiment's validation
 *                    images; at most as many as it has)
 * @param population  recipes per generation of the genetic algorithm
 * @param rounds      on test, the seeds of {@code random().keep(k)} per model and the number of random merges
 */
public record SearchSettings(List<Integer> budgets, int evaluations, int seconds, int images, int population,
                             int rounds) {

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException naming the field, its value and the allowed range
     */
    public SearchSettings {
        budgets = List.copyOf(budgets);
        for (int k : budgets) {
            if (k < 1) {
                throw new IllegalArgumentException("search budgets must be >= 1, were " + budgets);
            }
        }
        positive("search evaluations", evaluations);
        positive("search seconds", seconds);
        positive("search images", images);
        positive("search rounds", rounds);
        if (population < 2) {
            throw new IllegalArgumentException("search population must be >= 2, was " + population);
        }
    }

    /** No search: no budgets (the other fields are the standard preset's and unused). */
    public static SearchSettings none() {
        return new SearchSettings(List.of(), 400, 900, 2000, 40, 3);
    }

    /** Whether the experiment has search units. */
    public boolean enabled() {
        return !budgets.isEmpty();
    }

    /** The same search, with other budgets. */
    public SearchSettings withBudgets(List<Integer> newBudgets) {
        return new SearchSettings(newBudgets, evaluations, seconds, images, population, rounds);
    }

    private static void positive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " must be at least 1, was " + value);
        }
    }

    /** The settings as JSON, for the state file. */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        ArrayNode b = n.putArray("budgets");
        budgets.forEach(b::add);
        n.put("evaluations", evaluations);
        n.put("seconds", seconds);
        n.put("images", images);
        n.put("population", population);
        n.put("rounds", rounds);
        return n;
    }
}
