package io.github.layershuffle.train.training;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterServer;
import java.util.Map;
import java.util.Set;

/**
 * The DJL {@link ParameterServer} of a {@link VitTrainer}: reduces each parameter's gradients over its
 * device replicas and applies {@link AdamOptimizer}, but only to the parameters of the stem, the head and
 * the blocks that ran in the step's plan.
 *
 * <p>Why not DJL's {@code LocalParameterServer}: it updates every parameter the store has ever handed
 * out. For a block that LayerDrop skipped (or a plan pruned) that means (1) asking PyTorch for a gradient
 * that does not exist, which DJL answers with a fresh zero array in the model's manager, and (2) an Adam
 * step on a zero gradient, which still moves the weights by the running first moment and decays both
 * moments. PyTorch's optimisers skip a parameter whose {@code grad} is {@code None}; fairseq's LayerDrop
 * relies on that. Here the set of parameters that ran is known exactly from the plan, so the others are
 * left alone: no gradient read, weights and moments unchanged, and the same on every device replica.
 */
final class PlanAwareParameterServer implements ParameterServer {
    private final AdamOptimizer optimizer;
    private final Map<String, String> namesById;
    private final Map<String, Float> scaleByName;
    private volatile Set<String> active = Set.of();
    private volatile float learningRate;

    /**
     * @param scaleByName factor on the learning rate of the parameters it names; the others take 1
     */
    PlanAwareParameterServer(AdamOptimizer optimizer, Map<String, String> namesById, Map<String, Float> scaleByName) {
        this.optimizer = optimizer;
        this.namesById = Map.copyOf(namesById);
        this.scaleByName = Map.copyOf(scaleByName);
    }

    /** Sets, for the coming {@code updateAllParameters}, which parameter ids ran and the learning rate. */
    void prepare(Set<String> activeIds, float rate) {
        active = activeIds;
        learningRate = rate;
    }

    @Override
    public void init(String parameterId, NDArray[] value) {
        // moments are created lazily on the first update, on each replica's device
    }

    @Override
    public void update(String parameterId, NDArray[] params) {
        if (!active.contains(parameterId)) {
            return;
        }
        NDArray[] grads = new NDArray[params.length];
        try {
            for (int i = 0; i < params.length; i++) {
                grads[i] = params[i].getGradient();
            }
            update(parameterId, grads, params);
        } finally {
            for (NDArray g : grads) {
                if (g != null) {
                    g.close();
                }
            }
        }
    }

    @Override
    public void update(String parameterId, NDArray[] grads, NDArray[] params) {
        String name = namesById.get(parameterId);
        if (name == null) {
            throw new IllegalStateException("parameter " + parameterId + " is not part of the trained model");
        }
        NDArray first = grads[0];
        for (int i = 1; i < grads.length; i++) {
            try (NDArray copy = grads[i].toDevice(first.getDevice(), true)) {
                first.addi(copy);
            }
        }
        // the fused update zeroes each weight's gradient, which is grads[0] for the first replica: keep a copy
        try (NDArray reduced = first.duplicate()) {
            optimizer.update(name, params, reduced, learningRate * scaleByName.getOrDefault(name, 1f));
        }
    }

    @Override
    public void close() {
        // the optimizer is owned and closed by the trainer
    }
}
