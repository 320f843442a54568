package io.github.layershuffle.cli.experiment;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.eval.Stat;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The numbers of an experiment: per method and metric, one value per fine-tuned model (seed), merge or
 * probe, summarised as mean ± standard deviation. Accuracies are fractions in [0, 1].
 *
 * <p>Metric names: {@value #SEQUENTIAL}, {@value #ARBITRARY}, {@code keep<k>.sequential},
 * {@code keep<k>.shuffled}, {@value #POSITION_SEQUENTIAL}, {@value #POSITION_ARBITRARY},
 * {@value #MERGED_SEQUENTIAL}, {@value #MERGED_ARBITRARY}, {@value #ENSEMBLE_SEQUENTIAL},
 * {@value #ENSEMBLE_ARBITRARY}, {@value #PROBE}, {@value #PROBE_CHANCE}, and {@code ort.} before any of the
 * accuracy names for the ONNX Runtime measurements. Every top-1 accuracy has a top-5 twin,
 * {@code <name>.top5} ({@link #top5(String)}). The diagnostics: {@code update_ratio.slot<i>},
 * {@value #UPDATE_RATIO_MEAN}, {@value #STEM_PROBE}, {@value #STEM_PROBE_CHANCE}, {@code divergence.block<i>},
 * {@value #DIVERGENCE_MEAN}, {@value #DISAGREEMENT}, {@value #POSITION_WITHIN_ONE}, and under the baseline the
 * Fig. 1b controls {@code control<k>.sequential}; the recipe search's {@code search.k<k>.<suffix>}
 * ({@link #search(int, String)}).
 *
 * <pre>{@code
 * Optional<Stat> arbitrary = measurements.stat(Variant.LAYERSHUFFLE, Measurements.ARBITRARY);
 * }</pre>
 */
public final class Measurements {
    /** Accuracy with every block in its trained order. */
    public static final String SEQUENTIAL = "sequential";
    /** Accuracy with a fresh random order per batch, averaged over the evaluation seeds. */
    public static final String ARBITRARY = "arbitrary";
    /** LayerShuffle-predict: share of blocks predicting their slot, sequential order. */
    public static final String POSITION_SEQUENTIAL = "position_accuracy.sequential";
    /** LayerShuffle-predict: share of blocks predicting their slot, random order. */
    public static final String POSITION_ARBITRARY = "position_accuracy.arbitrary";
    /** Accuracy of random merges, blocks in slot order. */
    public static final String MERGED_SEQUENTIAL = "merged.sequential";
    /** Accuracy of random merges, random order per batch. */
    public static final String MERGED_ARBITRARY = "merged.arbitrary";
    /** Accuracy of the logit ensemble of a method's models, sequential order. */
    public static final String ENSEMBLE_SEQUENTIAL = "ensemble.sequential";
    /** Accuracy of the logit ensemble, each member in its own random order per batch. */
    public static final String ENSEMBLE_ARBITRARY = "ensemble.arbitrary";
    /** Linear-probe accuracy of the slot from a block's output, mean over blocks. */
    public static final String PROBE = "probe.accuracy";
    /** What a constant guess of the slot gets on the probe's test half. */
    public static final String PROBE_CHANCE = "probe.chance";
    /** Prefix of the ONNX Runtime measurements. */
    public static final String ORT = "ort.";
    /** Mean over slots of the update ratio {@code ||f(z)|| / ||z||}, in the method's training order. */
    public static final String UPDATE_RATIO_MEAN = "update_ratio.mean";
    /** Accuracy of a linear probe of the class from the stem's tokens (mean over tokens), no block run. */
    public static final String STEM_PROBE = "stem_probe.accuracy";
    /** What a constant guess of the class gets on the stem probe's test images. */
    public static final String STEM_PROBE_CHANCE = "stem_probe.chance";
    /** Relative L2 distance of a model's blocks from the base's, mean over blocks (one value per model). */
    public static final String DIVERGENCE_MEAN = "divergence.mean";
    /** Share of test images on which two fine-tunes of one method disagree, sequential order (one per pair). */
    public static final String DISAGREEMENT = "disagreement.sequential";
    /** LayerShuffle-predict: share of (image, slot) pairs predicted within one slot, random order. */
    public static final String POSITION_WITHIN_ONE = "position_within1.arbitrary";

    /** Search metric suffix: the searched recipe's validation accuracy (what the search optimised). */
    public static final String SEARCH_VALIDATION = "validation";
    /** Search metric suffix: the searched recipe's test accuracy. */
    public static final String SEARCH_TEST = "test";
    /** Search metric suffix: {@code sequential().keep(k)} on test, one value per model. */
    public static final String SEARCH_SEQUENTIAL_KEEP = "sequential_keep";
    /** Search metric suffix: {@code random().keep(k)} on test, one value per model and seed. */
    public static final String SEARCH_RANDOM_KEEP = "random_keep";
    /** Search metric suffix: random merges of k blocks on test, one value per merge. */
    public static final String SEARCH_RANDOM_MERGE = "random_merge";
    /** Search metric suffix: the searched recipe's median latency on one image, in ms (not an accuracy). */
    public static final String SEARCH_LATENCY_MS = "latency_ms";
    /** Search metric suffix: model 1's {@code sequential().keep(k)} latency on one image, in ms. */
    public static final String SEARCH_SEQUENTIAL_LATENCY_MS = "sequential_keep_latency_ms";

    private final Map<Variant, Map<String, List<Double>>> values = new LinkedHashMap<>();

    /** The name of the pruning metric keeping {@code k} blocks, sequential or shuffled. */
    public static String keep(int k, boolean shuffled) {
        return "keep" + k + (shuffled ? ".shuffled" : ".sequential");
    }

    /** The top-5 twin of a top-1 accuracy's name. */
    public static String top5(String metric) {
        return metric + ".top5";
    }

    /**
     * A metric of the recipe search for {@code budget} blocks, e.g. {@code search.k3.test}; {@code suffix} is one
     * of the {@code SEARCH_*} constants. Every row runs on model 1's stem and head.
     */
    public static String search(int budget, String suffix) {
        return "search.k" + budget + "." + suffix;
    }

    /** The update ratio of slot {@code slot}. */
    public static String updateRatio(int slot) {
        return "update_ratio.slot" + slot;
    }

    /** The relative L2 distance of block {@code block} from the base's. */
    public static String divergence(int block) {
        return "divergence.block" + block;
    }

    /** Sequential accuracy of the Fig. 1b control refined with only {@code depth} blocks (under the baseline). */
    public static String control(int depth) {
        return "control" + depth + ".sequential";
    }

    /** Adds one value (e.g. one seed's accuracy). */
    public void add(Variant method, String metric, double value) {
        values.computeIfAbsent(method, m -> new LinkedHashMap<>()).computeIfAbsent(metric, m -> new ArrayList<>())
                .add(value);
    }

    /** The values of a metric, in the order added; empty if none. */
    public List<Double> values(Variant method, String metric) {
        return Collections.unmodifiableList(values.getOrDefault(method, Map.of()).getOrDefault(metric, List.of()));
    }

    /** The mean ± std of a metric, if it has values. */
    public Optional<Stat> stat(Variant method, String metric) {
        List<Double> v = values(method, metric);
        return v.isEmpty() ? Optional.empty() : Optional.of(Stat.of(v));
    }

    /** The methods with at least one value, in the order first added. */
    public Set<Variant> methods() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /** Whether there is no value at all. */
    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** {@code {method: {metric: {mean, std, n}}}}. */
    public ObjectNode toJson() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        values.forEach((method, metrics) -> {
            ObjectNode m = root.putObject(method.id());
            metrics.forEach((metric, list) -> {
                Stat s = Stat.of(list);
                ObjectNode n = m.putObject(metric);
                n.put("mean", s.mean());
                n.put("std", s.std());
                n.put("n", s.count());
            });
        });
        return root;
    }
}
