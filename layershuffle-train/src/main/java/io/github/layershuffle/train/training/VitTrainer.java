package io.github.layershuffle.train.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.model.VitOutput;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Trains a {@link VisionTransformer} one batch at a time: draws the batch's plan from the variant's training
 * policy ({@code variant.trainingPolicy(config, seed).planForPass(depth, step)}, so the plan of every step
 * is a function of the seed and the step index and a resumed run continues the same sequence), runs the
 * forward pass on every device, back-propagates, and takes an Adam step on the parameters that ran.
 *
 * <pre>{@code
 * try (NDManager manager = NDManager.newBaseManager();
 *      VitTrainer trainer = VitTrainer.create(VisionTransformer.newInstance(config, 1, manager),
 *              TrainingOptions.builder().seed(1).build(), LearningRateSchedule.constant(1e-4))) {
 *     BatchResult r = trainer.step(pixels, labels);       // pixels [B, C, H, W] in [0, 1], labels [B]
 *     System.out.println(r.plan() + " loss " + r.loss());
 * }
 * }</pre>
 *
 * <p>Blocks that a plan leaves out (LayerDrop, pruning) get no gradient in that step. Their weights and
 * Adam moments stay exactly as they were, on every device (see {@link PlanAwareParameterServer} for why
 * DJL's default parameter server cannot be used).
 *
 * <p>Several devices: the model's parameters live on the first; the batch is split across devices, each
 * part's loss weighted by its share of the batch so the summed gradient is that of the whole batch, and
 * every replica takes the same step. The parts run one after another on the calling thread (PyTorch's
 * gradient mode is per thread and DJL allows one gradient collector at a time); on GPUs the kernels still
 * overlap because launches are asynchronous. Dropout draws from the engine's global generator.
 *
 * <p>Not thread-safe: one thread drives a trainer.
 */
public final class VitTrainer implements AutoCloseable {
    private final VisionTransformer model;
    private final ModelConfig config;
    private final Device[] devices;
    private final NDManager manager;
    private final ParameterStore store;
    private final AdamOptimizer optimizer;
    private final PlanAwareParameterServer server;
    private final ExecutionPolicy policy;
    private final LearningRateSchedule schedule;
    private final Set<String> sharedIds = new HashSet<>();
    private final List<Set<String>> blockIds = new ArrayList<>();
    private long steps;
    private boolean closed;

    private VitTrainer(VisionTransformer model, TrainingOptions options, LearningRateSchedule schedule) {
        this.model = model;
        this.config = model.config();
        this.devices = options.resolveDevices();
        this.schedule = schedule;
        this.policy = config.variant().trainingPolicy(config, options.seed());
        Map<String, String> namesById = new HashMap<>();
        Map<String, Float> scaleByName = new HashMap<>();
        for (int i = 0; i < config.depth(); i++) {
            blockIds.add(new HashSet<>());
        }
        NDArray any = null;
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                throw new IllegalArgumentException("the model is not initialised: parameter " + e.getKey());
            }
            any = any == null ? p.getArray() : any;
            namesById.put(p.getId(), e.getKey());
            String name = e.getKey();
            if (name.startsWith("blocks.") && name.contains(".predict.")
                    && options.predictorLearningRateScale() != 1) {
                scaleByName.put(name, (float) options.predictorLearningRateScale());
            }
            if (name.startsWith("blocks.")) {
                blockIds.get(Integer.parseInt(name.substring(7, name.indexOf('.', 7)))).add(p.getId());
            } else {
                sharedIds.add(p.getId());
            }
        }
        if (!devices[0].equals(any.getDevice())) {
            throw new IllegalArgumentException("the model's parameters are on " + any.getDevice()
                    + " but the first training device is " + devices[0] + "; create the model there");
        }
        // under the model's manager, so closing that frees the trainer's arrays too
        manager = any.getManager().newSubManager(devices[0]);
        optimizer = new AdamOptimizer(manager, options.beta1(), options.beta2(), options.epsilon(),
                options.weightDecay());
        server = new PlanAwareParameterServer(optimizer, namesById, scaleByName);
        store = new ParameterStore(manager, false);
        store.setParameterServer(server, devices);
    }

    /**
     * A trainer of {@code model} (initialised, its parameters on the first of {@code options}' devices).
     *
     * @throws IllegalArgumentException if the model is not initialised or lives on another device
     */
    public static VitTrainer create(VisionTransformer model, TrainingOptions options, LearningRateSchedule schedule) {
        return new VitTrainer(Objects.requireNonNull(model, "model"), Objects.requireNonNull(options, "options"),
                Objects.requireNonNull(schedule, "schedule"));
    }

    /** The model being trained. */
    public VisionTransformer model() {
        return model;
    }

    /** The devices the batch is split across; the parameters live on the first. */
    public Device[] devices() {
        return devices.clone();
    }

    /** Optimiser steps taken so far; also the index of the next pass of the training policy. */
    public long steps() {
        return steps;
    }

    /** The plan the next {@link #step(NDArray, NDArray)} will run. */
    public ExecutionPlan nextPlan() {
        return policy.planForPass(config.depth(), steps);
    }

    /** The learning rate of step {@code step}. */
    public float learningRate(long step) {
        return schedule.rate(step);
    }

    /**
     * One optimiser step on a batch, running {@link #nextPlan()}.
     *
     * @param pixels {@code [B, C, H, W]} float32 in [0, 1]
     * @param labels {@code [B]} (or {@code [B, 1]}) class indices, any numeric type
     * @throws IllegalArgumentException if the shapes do not fit the model or each other
     * @throws IllegalStateException    if the trainer is closed
     */
    public BatchResult step(NDArray pixels, NDArray labels) {
        return step(pixels, labels, nextPlan());
    }

    /**
     * One optimiser step on a batch running {@code plan}; counts as a pass of the training policy.
     *
     * @throws IllegalArgumentException as {@link #step(NDArray, NDArray)}, or if the plan does not fit
     * @throws IllegalStateException    if the trainer is closed
     */
    public BatchResult step(NDArray pixels, NDArray labels, ExecutionPlan plan) {
        checkOpen();
        int n = checkBatch(pixels, labels);
        float lr = schedule.rate(steps);
        Totals totals = new Totals(config.predictLossWeight());
        try (NDManager scratch = manager.newSubManager()) {
            try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                forEachPart(pixels, labels, n, scratch, (x, y, share) -> {
                    NDArray loss = objective(x, y, plan, true, totals);
                    collector.backward(loss.mul(share));
                });
            }
            server.prepare(activeIds(plan), lr);
            store.updateAllParameters();
        }
        steps++;
        return totals.result(plan, n);
    }

    /**
     * The loss and accuracy of a batch under {@code plan}, without dropout and without changing anything.
     *
     * @throws IllegalArgumentException as {@link #step(NDArray, NDArray, ExecutionPlan)}
     * @throws IllegalStateException    if the trainer is closed
     */
    public BatchResult evaluate(NDArray pixels, NDArray labels, ExecutionPlan plan) {
        checkOpen();
        int n = checkBatch(pixels, labels);
        Totals totals = new Totals(config.predictLossWeight());
        try (NDManager scratch = manager.newSubManager()) {
            forEachPart(pixels, labels, n, scratch, (x, y, share) -> objective(x, y, plan, false, totals));
        }
        return totals.result(plan, n);
    }

    private NDArray objective(NDArray x, NDArray y, ExecutionPlan plan, boolean training, Totals totals) {
        VitOutput out = model.forward(store, x, plan, training);
        NDArray task = Losses.crossEntropy(out.logits(), y);
        NDArray loss = task;
        long b = x.getShape().get(0);
        totals.task += task.getFloat() * b;
        totals.correct += Losses.correct(out.logits(), y);
        if (out.hasPositionLogits()) {
            NDArray position = Losses.positionLoss(out.positionLogits(), config.predictLossReduction());
            loss = task.add(position.mul(config.predictLossWeight()));
            totals.position += position.getFloat() * b;
            totals.positionCorrect += Losses.positionCorrect(out.positionLogits());
            totals.positionTotal += (int) (plan.size() * b);
        }
        return loss;
    }

    private interface Part {
        void run(NDArray pixels, NDArray labels, float share);
    }

    /** Splits the batch across the devices and runs {@code part} on each piece, in {@code scratch}. */
    private void forEachPart(NDArray pixels, NDArray labels, int n, NDManager scratch, Part part) {
        int[] ends = partEnds(n, devices.length);
        int start = 0;
        for (int i = 0; i < ends.length; i++) {
            int end = ends[i];
            NDArray x = slice(pixels, start, end, devices[i], scratch);
            NDArray y = slice(labels, start, end, devices[i], scratch).reshape(-1).toType(DataType.INT64, false);
            checkLabels(y);
            part.run(x, y, (float) (end - start) / n);
            start = end;
        }
    }

    /**
     * Where each device's part of a batch of {@code n} ends: parts as equal as possible, larger ones first,
     * none empty (fewer parts than devices if {@code n} is smaller).
     */
    static int[] partEnds(int n, int devices) {
        int parts = Math.min(devices, n);
        int[] ends = new int[parts];
        int start = 0;
        for (int i = 0; i < parts; i++) {
            start += (n - start + parts - i - 1) / (parts - i);
            ends[i] = start;
        }
        return ends;
    }

    private static NDArray slice(NDArray a, long start, long end, Device device, NDManager scratch) {
        NDArray view = a.get(new NDIndex("{}:{}", start, end));
        if (view.getDevice().equals(device)) {
            view.attach(scratch);
            return view;
        }
        try (view) {
            NDArray moved = view.toDevice(device, false);
            moved.attach(scratch);
            return moved;
        }
    }

    private void checkLabels(NDArray y) {
        long lo = y.min().getLong();
        long hi = y.max().getLong();
        if (lo < 0 || hi >= config.classes()) {
            throw new IllegalArgumentException("labels must be class indices in [0, " + config.classes()
                    + "), this batch has labels from " + lo + " to " + hi);
        }
    }

    private int checkBatch(NDArray pixels, NDArray labels) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(labels, "labels");
        long n = pixels.getShape().get(0);
        if (pixels.getShape().dimension() != 4 || labels.size() != n) {
            throw new IllegalArgumentException("a batch needs pixels [B, C, H, W] and B labels, got pixels "
                    + pixels.getShape() + " and labels " + labels.getShape());
        }
        if (n < 1) {
            throw new IllegalArgumentException("the batch is empty");
        }
        return (int) n;
    }

    private Set<String> activeIds(ExecutionPlan plan) {
        Set<String> ids = new HashSet<>(sharedIds);
        for (int b : plan.blocks()) {
            ids.addAll(blockIds.get(b));
        }
        return ids;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("VitTrainer is closed");
        }
    }

    /** Sets the step counter, for a resumed run. */
    void setSteps(long value) {
        steps = value;
    }

    AdamOptimizer.State optimizerState() {
        return optimizer.export();
    }

    void restoreOptimizerState(AdamOptimizer.State state) {
        optimizer.restore(state, devices);
    }

    /** Frees the optimiser state and the device replicas; the model itself is left open. Idempotent. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            optimizer.close();
            server.close();
            manager.close();
        }
    }

    private static final class Totals {
        final double weight;
        double task;
        double position;
        int correct;
        int positionCorrect;
        int positionTotal;

        Totals(double weight) {
            this.weight = weight;
        }

        BatchResult result(ExecutionPlan plan, int n) {
            double taskLoss = task / n;
            double positionLoss = position / n;
            return new BatchResult(plan, n, taskLoss + weight * positionLoss, taskLoss, positionLoss, correct,
                    positionCorrect, positionTotal);
        }
    }
}
