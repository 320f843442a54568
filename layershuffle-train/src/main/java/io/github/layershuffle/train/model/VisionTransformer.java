package io.github.layershuffle.train.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.github.layershuffle.api.Block;
import io.github.layershuffle.api.BlockSequence;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.checkpoint.VitLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The Vision Transformer of LayerShuffle as a DJL block: a patch stem, {@code depth} pre-norm
 * {@link EncoderBlock}s that run in the order an {@link ExecutionPlan} gives for each forward pass, and a
 * classifier head, computing exactly what {@code docs/FORMATS.md} specifies. Its parameters carry the
 * FORMATS.md tensor names ({@link #namedParameters()}), so checkpoints map onto it one to one.
 *
 * <pre>{@code
 * ModelConfig config = ModelConfig.builder().imageSize(28).patchSize(4).width(64).depth(12).heads(4)
 *         .mlpWidth(128).classes(10).variant(Variant.LAYERSHUFFLE_PREDICT).build();
 * try (NDManager manager = NDManager.newBaseManager()) {
 *     VisionTransformer vit = VisionTransformer.newInstance(config, 42, manager);
 *     NDArray pixels = manager.randomUniform(0, 1, vit.inputShape(8));      // [8, 1, 28, 28] in [0, 1]
 *     ExecutionPlan plan = ExecutionPolicy.random(7).plan(config.depth());
 *     VitOutput out = vit.predict(pixels, plan);
 *     NDArray logits = out.logits();                                         // [8, 10]
 *     NDArray slots = out.positionLogits();                                  // [12, 8, 12]
 * }
 * }</pre>
 *
 * <p>As a plain DJL {@link ai.djl.nn.Block}, {@code forward(ps, new NDList(pixels), training, params)} runs
 * the plan under the key {@link #PLAN} in {@code params} (all blocks in order if absent) and returns
 * {@code (logits)}, or {@code (logits, positionLogits)} for LayerShuffle-predict.
 *
 * <p>LayerShuffle-position with {@link SlotTable#SHARED} (the default, as the authors' code): one slot table
 * {@code encoder.slot_table}, a parameter of this model that every block reads by the slot it runs in, so
 * each row learns from whichever block runs in its slot. With {@link SlotTable#PER_BLOCK} each block has its own.
 *
 * <p>Blocks are executed in one place, {@link BlockSequence#run(Object, ExecutionPlan)} over
 * {@link #blocks(ParameterStore, boolean)}, so a caller that composes blocks by hand gets the same result.
 */
public final class VisionTransformer extends AbstractBlock {
    /** The key of the {@link ExecutionPlan} in the {@code params} of a DJL {@code forward} call. */
    public static final String PLAN = "plan";

    private final ModelConfig config;
    private final PatchStem stem;
    private final List<EncoderBlock> blocks;
    private final ClassifierHead head;
    private final Map<String, Parameter> named;

    private VisionTransformer(ModelConfig config, long seed) {
        this.config = config;
        stem = addChildBlock("stem", new PatchStem(config, seed));
        Parameter slotTable = config.variant().usesPosition() && config.slotTable() == SlotTable.SHARED
                ? addParameter(Ops.parameter(VitLayout.SLOT_TABLE, seed, config.depth(),
                        config.positionEmbeddingWidth()))
                : null;
        List<EncoderBlock> list = new ArrayList<>(config.depth());
        for (int i = 0; i < config.depth(); i++) {
            list.add(addChildBlock("block" + i, new EncoderBlock(config, i, seed, slotTable)));
        }
        blocks = Collections.unmodifiableList(list);
        head = addChildBlock("head", new ClassifierHead(config, seed));
        named = Collections.unmodifiableMap(nameParameters());
    }

    /**
     * An uninitialised model of {@code config} whose parameters, once DJL initialises them, take the
     * {@link Initialization} values of {@code seed}.
     *
     * @throws NullPointerException if {@code config} is null
     */
    public static VisionTransformer create(ModelConfig config, long seed) {
        return new VisionTransformer(Objects.requireNonNull(config, "config"), seed);
    }

    /**
     * A model of {@code config} with parameters initialised from {@code seed}, living in {@code manager}
     * (on its device).
     */
    public static VisionTransformer newInstance(ModelConfig config, long seed, NDManager manager) {
        VisionTransformer vit = create(config, seed);
        vit.initialize(manager, DataType.FLOAT32, vit.inputShape(1));
        return vit;
    }

    private LinkedHashMap<String, Parameter> nameParameters() {
        Map<String, Parameter> byName = new LinkedHashMap<>();
        for (Parameter p : getParameters().values()) {
            byName.put(p.getName(), p);
        }
        LinkedHashMap<String, Parameter> ordered = new LinkedHashMap<>();
        for (String name : VitLayout.shapes(config).keySet()) {
            Parameter p = byName.remove(name);
            if (p == null) {
                throw new IllegalStateException("the model lacks parameter " + name);
            }
            ordered.put(name, p);
        }
        if (!byName.isEmpty()) {
            throw new IllegalStateException("parameters not in the checkpoint layout: " + byName.keySet());
        }
        return ordered;
    }

    /** The model's config. */
    public ModelConfig config() {
        return config;
    }

    /** The shape of a batch of {@code batch} input images: {@code [batch, C, H, W]}. */
    public Shape inputShape(long batch) {
        return new Shape(batch, config.channels(), config.imageSize(), config.imageSize());
    }

    /**
     * The block with index {@code i}.
     *
     * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, depth)}
     */
    public EncoderBlock block(int i) {
        return blocks.get(i);
    }

    /**
     * Every parameter under its FORMATS.md tensor name, in {@link VitLayout} order (stem, blocks, head).
     * The names and shapes are exactly {@code VitLayout.shapes(config())}.
     */
    public Map<String, Parameter> namedParameters() {
        return named;
    }

    /**
     * Pixels {@code [B, C, H, W]} in [0, 1] to tokens {@code [B, T, D]}.
     *
     * @throws IllegalArgumentException if the pixels do not have the configured channels and size
     */
    public NDArray embed(ParameterStore ps, NDArray pixels, boolean training) {
        return stem.apply(ps, pixels, training);
    }

    /** Tokens {@code [B, T, D]} to class logits {@code [B, classes]}. */
    public NDArray classify(ParameterStore ps, NDArray tokens, boolean training) {
        return head.apply(ps, tokens, training);
    }

    /**
     * The encoder blocks as an api {@link BlockSequence}, for running in any plan or composing by hand. Each
     * {@link Block} maps an {@link NDList} as {@link EncoderBlock#apply} describes.
     *
     * @param ps       where parameter values come from
     * @param training whether dropout is active and gradients are wanted
     */
    public BlockSequence<NDList> blocks(ParameterStore ps, boolean training) {
        Objects.requireNonNull(ps, "ps");
        List<Block<NDList>> list = new ArrayList<>(blocks.size());
        for (EncoderBlock b : blocks) {
            list.add((input, slot) -> b.apply(ps, input, slot, training));
        }
        return BlockSequence.of(list);
    }

    /**
     * One forward pass: stem, the blocks of {@code plan} in its order, head.
     *
     * @throws IllegalArgumentException if the plan was made for another number of blocks, or the pixels do
     *                                  not fit the config
     */
    public VitOutput forward(ParameterStore ps, NDArray pixels, ExecutionPlan plan, boolean training) {
        Objects.requireNonNull(plan, "plan");
        if (plan.blockCount() != config.depth()) {
            throw new IllegalArgumentException("plan " + plan + " was made for " + plan.blockCount()
                    + " blocks, this model has " + config.depth());
        }
        NDArray tokens = embed(ps, pixels, training);
        NDList out = blocks(ps, training).run(new NDList(tokens), plan);
        NDArray logits = classify(ps, out.head(), training);
        NDArray positionLogits = config.variant().predictsPosition() ? NDArrays.stack(out.subNDList(1), 0) : null;
        return new VitOutput(logits, positionLogits, plan);
    }

    /**
     * Inference: {@link #forward(ParameterStore, NDArray, ExecutionPlan, boolean)} without dropout or
     * gradients, with parameter values taken from the model (copied to the pixels' device if needed). The
     * outputs belong to the pixels' manager; everything else the pass made is freed before it returns.
     *
     * @throws IllegalArgumentException as {@code forward}
     */
    public VitOutput predict(NDArray pixels, ExecutionPlan plan) {
        NDManager caller = pixels.getManager();
        try (NDManager scratch = caller.newSubManager(pixels.getDevice())) {
            // A DJL result belongs to the manager of the array it was computed from: run on a copy owned by
            // scratch so the pass's intermediates are freed here, not left in the caller's manager.
            NDArray input = pixels.duplicate();
            input.attach(scratch);
            VitOutput out = forward(new ParameterStore(scratch, false), input, plan, false);
            out.logits().attach(caller);
            if (out.hasPositionLogits()) {
                out.positionLogits().attach(caller);
            }
            return out;
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        Object plan = params == null ? null : params.get(PLAN);
        if (plan != null && !(plan instanceof ExecutionPlan)) {
            throw new IllegalArgumentException("param '" + PLAN + "' must be an ExecutionPlan, was "
                    + plan.getClass().getName());
        }
        ExecutionPlan p = plan == null ? ExecutionPlan.sequential(config.depth()) : (ExecutionPlan) plan;
        VitOutput out = forward(ps, inputs.head(), p, training);
        return out.hasPositionLogits() ? new NDList(out.logits(), out.positionLogits()) : new NDList(out.logits());
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long b = inputShapes[0].get(0);
        Shape logits = new Shape(b, config.classes());
        return config.variant().predictsPosition()
                ? new Shape[] {logits, new Shape(config.depth(), b, config.depth())}
                : new Shape[] {logits};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape tokens = new Shape(inputShapes[0].get(0), config.tokenCount(), config.width());
        stem.initialize(manager, dataType, inputShapes[0]);
        for (EncoderBlock b : blocks) {
            b.initialize(manager, dataType, tokens);
        }
        head.initialize(manager, dataType, tokens);
    }
}
