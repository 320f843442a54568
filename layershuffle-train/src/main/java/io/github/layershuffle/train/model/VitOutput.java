package io.github.layershuffle.train.model;

import ai.djl.ndarray.NDArray;
import io.github.layershuffle.api.ExecutionPlan;
import java.util.Objects;

/**
 * What one forward pass of a {@link VisionTransformer} produced. The arrays belong to the manager of the
 * input pixels.
 *
 * @param logits         class logits {@code [B, classes]}
 * @param positionLogits LayerShuffle-predict only, else {@code null}: each slot's prediction of the slot it
 *                       ran in, {@code [slots, B, depth]}; row {@code s} comes from block
 *                       {@code plan.block(s)} and its target is {@code s}
 * @param plan           the plan that ran
 */
public record VitOutput(NDArray logits, NDArray positionLogits, ExecutionPlan plan) {

    /** Checks the required parts are present. */
    public VitOutput {
        Objects.requireNonNull(logits, "logits");
        Objects.requireNonNull(plan, "plan");
    }

    /** Whether the pass produced position logits (the LayerShuffle-predict variant). */
    public boolean hasPositionLogits() {
        return positionLogits != null;
    }
}
