package io.github.layershuffle.train.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.ExecutionPlan;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * The result of one pass of a model over a dataset under one policy and seed.
 *
 * @param model              what was evaluated, e.g. a checkpoint file or "ensemble of 3"
 * @param data               the dataset's name
 * @param policy             the policy, as its {@code toString()} (e.g. {@code random().keep(6)})
 * @param seed               the seed its plans were drawn with
 * @param images             how many images were classified
 * @param top1               share of images whose top logit is the label
 * @param topK               share of images whose label is among the {@code k} top logits
 * @param k                  the {@code k} of {@code topK}: 5, or the number of classes if fewer
 * @param loss               mean softmax cross-entropy of the logits
 * @param positionAccuracy   LayerShuffle-predict: share of (image, slot) pairs where the block predicted the
 *                           slot it ran in; empty for other variants and for ensembles
 * @param blockPositionAccuracy per block index, the same share over the passes that ran that block (NaN for
 *                           a block that never ran); empty when {@code positionAccuracy} is
 * @param firstPlan          the plan of the first batch, as an example of what ran
 * @param seconds            wall time of the pass
 */
public record Evaluation(String model, String data, String policy, long seed, long images, double top1,
                         double topK, int k, double loss, OptionalDouble positionAccuracy,
                         double[] blockPositionAccuracy, ExecutionPlan firstPlan, double seconds) {

    /** Checks the required parts are present and copies the array. */
    public Evaluation {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(positionAccuracy, "positionAccuracy");
        blockPositionAccuracy = blockPositionAccuracy == null ? new double[0] : blockPositionAccuracy.clone();
    }

    /** Per block index, the position accuracy over the passes that ran it (a fresh array). */
    @Override
    public double[] blockPositionAccuracy() {
        return blockPositionAccuracy.clone();
    }

    /** The result as a JSON object (field names as the record's). */
    public ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("model", model);
        n.put("data", data);
        n.put("policy", policy);
        n.put("seed", seed);
        n.put("images", images);
        n.put("top1", top1);
        n.put("top" + k, topK);
        n.put("loss", loss);
        if (positionAccuracy.isPresent()) {
            n.put("positionAccuracy", positionAccuracy.getAsDouble());
            ArrayNode blocks = n.putArray("blockPositionAccuracy");
            Arrays.stream(blockPositionAccuracy).forEach(v -> {
                if (Double.isNaN(v)) {
                    blocks.addNull();
                } else {
                    blocks.add(v);
                }
            });
        }
        if (firstPlan != null) {
            ArrayNode plan = n.putArray("firstPlan");
            firstPlan.blocks().forEach(plan::add);
        }
        n.put("seconds", seconds);
        return n;
    }
}
