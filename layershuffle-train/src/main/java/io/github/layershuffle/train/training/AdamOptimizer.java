package io.github.layershuffle.train.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.github.layershuffle.api.checkpoint.Tensor;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba 2015) whose state can be saved and restored, which DJL's own {@code Adam} does not
 * allow (its moments are private). The update runs in DJL's fused {@code adamUpdate} kernel, with gradient
 * recording off and the weight's gradient zeroed afterwards:
 *
 * <pre>
 * g = grad + weightDecay * w;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 * w -= lr * sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)
 * </pre>
 *
 * <p>That is the paper's "efficient" form (its section 2): epsilon is added before the bias correction of
 * the step size, as in DJL and MXNet; {@code torch.optim.Adam} adds it after, a difference of order epsilon.
 * {@code t} counts the steps in which the parameter received a gradient, as PyTorch's per-parameter
 * {@code step} does, so a block that LayerDrop skipped keeps both its weights and its moments untouched.
 *
 * <p>Each replica of a parameter (one per training device) has its moments on its own device; all replicas
 * receive the same reduced gradient, so their moments stay equal and the first replica's are saved.
 */
final class AdamOptimizer implements AutoCloseable {
    private final NDManager manager;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private final float weightDecay;
    private final Map<String, Integer> steps = new HashMap<>();
    /** Per parameter name, per replica index: {m, v} on that replica's device. */
    private final Map<String, Map<Integer, NDArray[]>> moments = new HashMap<>();

    AdamOptimizer(NDManager manager, double beta1, double beta2, double epsilon, double weightDecay) {
        this.manager = manager;
        this.beta1 = (float) beta1;
        this.beta2 = (float) beta2;
        this.epsilon = (float) epsilon;
        this.weightDecay = (float) weightDecay;
    }

    /**
     * One step for parameter {@code name}: {@code grad} (reduced over replicas, any device) updates every
     * replica in {@code weights}.
     */
    synchronized void update(String name, NDArray[] weights, NDArray grad, float learningRate) {
        int t = steps.merge(name, 1, Integer::sum);
        double corr1 = 1 - Math.pow(beta1, t);
        double corr2 = 1 - Math.pow(beta2, t);
        float biasCorrected = (float) (learningRate * Math.sqrt(corr2) / corr1);
        for (int i = 0; i < weights.length; i++) {
            NDArray w = weights[i];
            NDArray[] mv = moments(name, i, w);
            if (grad.getDevice().equals(w.getDevice())) {
                step(w, grad, mv, learningRate, biasCorrected);
            } else {
                try (NDArray g = grad.toDevice(w.getDevice(), true)) {
                    step(w, g, mv, learningRate, biasCorrected);
                }
            }
        }
    }

    private void step(NDArray w, NDArray g, NDArray[] mv, float lr, float biasCorrected) {
        // clipGrad < 0 disables the kernel's clipping; rescale 1 leaves the gradient as is
        w.getNDArrayInternal().adamUpdate(new NDList(w, g, mv[0], mv[1]), new NDList(w), lr, biasCorrected,
                weightDecay, 1f, -1f, beta1, beta2, epsilon, true, false);
    }

    private NDArray[] moments(String name, int replica, NDArray w) {
        return moments.computeIfAbsent(name, k -> new LinkedHashMap<>()).computeIfAbsent(replica, k ->
                new NDArray[] {manager.zeros(w.getShape(), w.getDataType(), w.getDevice()),
                               manager.zeros(w.getShape(), w.getDataType(), w.getDevice())});
    }

    private NDArray copy(NDArray a, Device device) {
        NDArray c = a.toDevice(device, true);
        c.attach(manager);
        return c;
    }

    /** The state to save: tensors {@code m.<name>} and {@code v.<name>}, and each parameter's step count. */
    synchronized State export() {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        moments.forEach((name, byReplica) -> {
            NDArray[] mv = byReplica.values().iterator().next();
            long[] shape = mv[0].getShape().getShape();
            tensors.put("m." + name, new Tensor("m." + name, shape, mv[0].toFloatArray()));
            tensors.put("v." + name, new Tensor("v." + name, shape, mv[1].toFloatArray()));
        });
        return new State(new LinkedHashMap<>(steps), tensors);
    }

    /** Replaces the state with a saved one, giving replica {@code i} its moments on {@code devices[i]}. */
    synchronized void restore(State state, Device[] devices) {
        clear();
        steps.putAll(state.steps());
        for (String name : state.steps().keySet()) {
            Tensor m = state.tensors().get("m." + name);
            Tensor v = state.tensors().get("v." + name);
            if (m == null || v == null) {
                throw new IllegalArgumentException("optimizer state lacks the moments of " + name);
            }
            Map<Integer, NDArray[]> byReplica = new LinkedHashMap<>();
            for (int i = 0; i < devices.length; i++) {
                byReplica.put(i, new NDArray[] {array(m, devices[i]), array(v, devices[i])});
            }
            moments.put(name, byReplica);
        }
    }

    private NDArray array(Tensor t, Device device) {
        NDArray a = manager.create(t.data(), new ai.djl.ndarray.types.Shape(t.shape()));
        if (device.equals(a.getDevice())) {
            return a;
        }
        try (a) {
            return copy(a, device);
        }
    }

    private void clear() {
        moments.values().forEach(byReplica -> byReplica.values().forEach(mv -> {
            mv[0].close();
            mv[1].close();
        }));
        moments.clear();
        steps.clear();
    }

    @Override
    public synchronized void close() {
        clear();
    }

    /**
     * Saved optimiser state.
     *
     * @param steps   steps taken per parameter name
     * @param tensors {@code m.<name>} and {@code v.<name>} per parameter name
     */
    record State(Map<String, Integer> steps, Map<String, Tensor> tensors) {
    }
}
