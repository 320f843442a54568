package io.github.layershuffle.train.eval;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Collection;
import java.util.Locale;

/**
 * Mean and sample standard deviation of repeated measurements (over seeds, merges, models).
 *
 * @param mean  the mean
 * @param std   the sample standard deviation (n - 1 in the denominator); 0 for a single value
 * @param count how many values
 */
public record Stat(double mean, double std, int count) {

    /**
     * The statistic of {@code values}.
     *
     * @throws IllegalArgumentException if {@code values} is empty
     */
    public static Stat of(Collection<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a statistic needs at least one value");
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double ss = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        double std = values.size() > 1 ? Math.sqrt(ss / (values.size() - 1)) : 0;
        return new Stat(mean, std, values.size());
    }

    /** A fraction as a percentage, e.g. {@code 81.23 ± 0.45 %}; without the ± part for one value. */
    public String percent() {
        return count > 1 ? String.format(Locale.ROOT, "%.2f ± %.2f %%", 100 * mean, 100 * std)
                : String.format(Locale.ROOT, "%.2f %%", 100 * mean);
    }

    /** As {@code 0.4312 ± 0.0120}; without the ± part for one value. */
    public String plain() {
        return count > 1 ? String.format(Locale.ROOT, "%.4f ± %.4f", mean, std)
                : String.format(Locale.ROOT, "%.4f", mean);
    }

    /** {@code {"mean": ..., "std": ..., "count": ...}}. */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("mean", mean);
        n.put("std", std);
        n.put("count", count);
        return n;
    }
}
