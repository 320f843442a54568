package io.github.layershuffle.train.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * Repeated evaluations of one setting (several seeds of a random policy, several random merges) and their
 * mean ± standard deviation.
 *
 * @param runs             the single evaluations, in the order they ran
 * @param top1             statistic of {@link Evaluation#top1()}
 * @param topK             statistic of {@link Evaluation#topK()}
 * @param loss             statistic of {@link Evaluation#loss()}
 * @param positionAccuracy statistic of {@link Evaluation#positionAccuracy()}, where every run has one
 */
public record Summary(List<Evaluation> runs, Stat top1, Stat topK, Stat loss, Optional<Stat> positionAccuracy) {

    /**
     * The summary of these runs.
     *
     * @throws IllegalArgumentException if {@code runs} is empty
     */
    public static Summary of(List<Evaluation> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("a summary needs at least one evaluation");
        }
        boolean positions = runs.stream().allMatch(r -> r.positionAccuracy().isPresent());
        return new Summary(List.copyOf(runs),
                Stat.of(runs.stream().map(Evaluation::top1).toList()),
                Stat.of(runs.stream().map(Evaluation::topK).toList()),
                Stat.of(runs.stream().map(Evaluation::loss).toList()),
                positions ? Optional.of(Stat.of(runs.stream().map(r -> r.positionAccuracy().getAsDouble()).toList()))
                        : Optional.empty());
    }

    /** The first run, whose model, data and policy describe the setting. */
    public Evaluation first() {
        return runs.get(0);
    }

    /** The {@code k} of the top-k accuracy. */
    public int k() {
        return first().k();
    }

    /** The summary as a JSON object: the statistics and every run. */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        Evaluation f = first();
        n.put("model", f.model());
        n.put("data", f.data());
        n.put("policy", f.policy());
        n.set("top1", top1.toJson());
        n.set("top" + f.k(), topK.toJson());
        n.set("loss", loss.toJson());
        positionAccuracy.ifPresent(s -> n.set("positionAccuracy", s.toJson()));
        ArrayNode list = n.putArray("runs");
        runs.forEach(r -> list.add(r.toJson()));
        return n;
    }
}
