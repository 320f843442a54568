package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import io.github.layershuffle.api.Block;
import io.github.layershuffle.api.BlockSequence;
import io.github.layershuffle.api.DeadlineExceededException;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.IncompatibleBlocksException;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.ModelIdentity;
import io.github.layershuffle.onnx.image.ImageInput;
import io.github.layershuffle.onnx.image.PixelBatch;
import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * An exported LayerShuffle model on ONNX Runtime: the stem, the blocks and the head each run in their own
 * session, and the blocks run in the order an {@link ExecutionPolicy} or {@link ExecutionPlan} gives. The
 * tokens pass from session to session as ONNX Runtime tensors, never copied through Java arrays; each block
 * writes its output into the tensor the block before it read, and the model keeps those tensors for later calls
 * ({@link RuntimeOptions#tokenPoolBytes()}). A batch larger than {@link RuntimeOptions#passImagesFor} runs as
 * consecutive passes of that many images, joined in image order.
 *
 * <pre>{@code
 * try (LayerShuffleModel model = LayerShuffleModel.load(Path.of("exports/fashion-shuffle"))) {
 *     Prediction p = model.predict(images, ExecutionPolicy.random(42).keep(6));
 *     System.out.println(p.plan() + ": " + p.predictedLabels());
 * }
 * }</pre>
 *
 * <p>A model can be made of blocks of several exports of one family ({@link #compose()}, a "Frankenstein"
 * model); exports it loads itself are loaded once and their sessions shared by every slot that uses them.
 * Merge ONNX blocks with {@link #compose()} rather than the api's generic {@code BlockSequence.builder()}: the
 * generic {@code run} cannot know that each intermediate tensor must be closed.
 *
 * <p>As a {@link BlockSequence} of {@link OnnxTensor}s, {@link #block(int)} and {@link #run(OnnxTensor,
 * ExecutionPlan)} never close their input and return a tensor the caller owns; {@code run} closes every tensor
 * it made in between. They return the tokens only: the slot predictions of a LayerShuffle-predict model come
 * with {@link #predict(float[][][][], ExecutionPlan)}, which asks the sessions for them only there.
 *
 * <p>On CUDA ({@link RuntimeOptions.Builder#cuda(int)}) each session's output comes back in CPU memory and the
 * next session copies it to the device; the tokens still never pass through Java arrays.
 *
 * <p>Thread-safe: any number of threads may call {@code predict}, {@code run} and the blocks at once.
 * {@link #close()} waits for calls in flight (bounded, see {@link RuntimeOptions#closeTimeout()}), is idempotent,
 * and afterwards every method that runs a graph throws {@link IllegalStateException}. Each call can have a
 * deadline ({@link RuntimeOptions#callTimeout()}), and every part's outputs are checked against the tensor
 * contract as they come back (docs/FORMATS.md, "Limits").
 */
public final class LayerShuffleModel implements BlockSequence<OnnxTensor>, AutoCloseable {
    private static final Consumer<OnnxValue> NO_OBSERVER = v -> { };

    private final LoadedExport stem;
    private final LoadedExport head;
    private final List<OrtBlock> blocks;
    private final Set<LoadedExport> exports;
    private final List<String> labels;
    private final TokenPool tokenPool;
    private final Guard guard = new Guard("LayerShuffleModel");
    private final RuntimeOptions options;
    private final int passImages;
    private volatile Consumer<? super OnnxValue> observer = NO_OBSERVER;

    /**
     * Takes over one reference to each of {@code exports}, which must hold every export used; keeps idle token
     * tensors as {@code options} say.
     */
    LayerShuffleModel(LoadedExport stem, List<LoadedExport> slotExports, List<Integer> slotIndices,
                      LoadedExport head, Set<LoadedExport> exports, RuntimeOptions options) {
        this.stem = stem;
        this.head = head;
        this.exports = Set.copyOf(exports);
        List<OrtBlock> list = new ArrayList<>();
        for (int s = 0; s < slotExports.size(); s++) {
            list.add(new OrtBlock(this, slotExports.get(s), slotIndices.get(s)));
        }
        this.blocks = List.copyOf(list);
        this.labels = IntStream.range(0, head.config().classes()).mapToObj(head.config()::label).toList();
        this.tokenPool = new TokenPool(stem.config().tokenCount(), stem.config().width(), options.tokenPoolBytes());
        this.options = options;
        this.passImages = options.passImagesFor(stem.config());
    }

    /**
     * Loads an export directory with {@link RuntimeOptions#defaults()}.
     *
     * @throws LayerShuffleException naming the file and fault: a missing or invalid manifest, a newer format
     *                               version, a file name that leaves the directory, a missing file, a SHA-256
     *                               mismatch, or a graph ONNX Runtime cannot load or whose tensors break the contract
     */
    public static LayerShuffleModel load(Path exportDir) {
        return load(exportDir, RuntimeOptions.defaults());
    }

    /**
     * Loads an export directory.
     *
     * @throws LayerShuffleException as {@link #load(Path)}, or if the options ask for CUDA and it is not available
     */
    public static LayerShuffleModel load(Path exportDir, RuntimeOptions options) {
        Objects.requireNonNull(options, "options");
        return single(LoadedExport.open(ExportSource.directory(exportDir), exportDir.toString(), options), options);
    }

    /**
     * Loads an export from a classpath resource directory, e.g. {@code "models/fashion"}, with the context class
     * loader (or this class's loader when there is none).
     *
     * @throws LayerShuffleException as {@link #load(Path)}
     */
    public static LayerShuffleModel loadResource(String directory) {
        return loadResource(directory, RuntimeOptions.defaults());
    }

    /**
     * Loads an export from a classpath resource directory with these options.
     *
     * @throws LayerShuffleException as {@link #load(Path, RuntimeOptions)}
     */
    public static LayerShuffleModel loadResource(String directory, RuntimeOptions options) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return loadResource(loader != null ? loader : LayerShuffleModel.class.getClassLoader(), directory, options);
    }

    /**
     * Loads an export from resource directory {@code directory} of {@code loader}.
     *
     * @throws LayerShuffleException as {@link #load(Path, RuntimeOptions)}
     */
    public static LayerShuffleModel loadResource(ClassLoader loader, String directory, RuntimeOptions options) {
        Objects.requireNonNull(options, "options");
        ExportSource source = ExportSource.classpath(loader, directory);
        return single(LoadedExport.open(source, source.describe(), options), options);
    }

    private static LayerShuffleModel single(LoadedExport export, RuntimeOptions options) {
        List<LoadedExport> slots = new ArrayList<>();
        List<Integer> indices = new ArrayList<>();
        for (int i = 0; i < export.blockCount(); i++) {
            slots.add(export);
            indices.add(i);
        }
        return new LayerShuffleModel(export, slots, indices, export, Set.of(export), options);
    }

    /**
     * A builder for a model made of the stem, blocks and head of several exports of one family.
     *
     * <pre>{@code
     * try (LayerShuffleModel merged = LayerShuffleModel.compose()
     *         .stem(a).slot(a, 0).slot(b, 1).slot(b, 1).slot(a, 3).head(b)
     *         .build()) { ... }
     * }</pre>
     */
    public static Composer compose() {
        return new Composer();
    }

    /**
     * The model a recipe file describes ({@code layershuffle-recipe}), with default options.
     *
     * @throws LayerShuffleException       naming the recipe and the fault, or as {@link #load(Path)}
     * @throws IncompatibleBlocksException naming the slot, the property and both values
     */
    public static LayerShuffleModel compose(Path recipe) {
        return compose(recipe, RuntimeOptions.defaults());
    }

    /**
     * The model a recipe file describes, with these options.
     *
     * @throws LayerShuffleException       naming the recipe and the fault, or as {@link #load(Path, RuntimeOptions)}
     * @throws IncompatibleBlocksException naming the slot, the property and both values
     */
    public static LayerShuffleModel compose(Path recipe, RuntimeOptions options) {
        return Recipe.read(recipe).compose(options);
    }

    @Override
    public int size() {
        return blocks.size();
    }

    /**
     * The block in slot {@code index} of this model; see {@link OnnxTensor} ownership in the class comment.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not in {@code [0, size())}
     */
    @Override
    public Block<OnnxTensor> block(int index) {
        return blocks.get(Objects.checkIndex(index, blocks.size()));
    }

    @Override
    public Optional<ModelIdentity> identity(int index) {
        return Optional.of(blocks.get(Objects.checkIndex(index, blocks.size())).export().identity());
    }

    /** The config of the export that provides the stem; it fixes the input image size and channels. */
    public ModelConfig config() {
        return stem.config();
    }

    /** The family of the exports this model is made of. */
    public String family() {
        return stem.identity().family();
    }

    /** The class names, from the config of the export that provides the head. */
    public List<String> labels() {
        return labels;
    }

    /**
     * Classifies images with every block in its trained order.
     *
     * @param pixels {@code [batch, C, H, W]}, values in [0, 1] (the stem normalises them with the config's
     *               {@code pixelMean} and {@code pixelStd}; finite values outside [0, 1] are not refused)
     * @throws IllegalArgumentException naming the first image, channel, row or value of a wrong shape, an empty
     *                                  batch, or a NaN or infinite value
     * @throws IllegalStateException    if the model is closed
     * @throws LayerShuffleException    if ONNX Runtime fails, or a part returns what breaks the tensor contract
     *                                  or is not finite (naming the part)
     * @throws DeadlineExceededException past {@link RuntimeOptions#callTimeout()}
     */
    public Prediction predict(float[][][][] pixels) {
        return predict(pixels, ExecutionPlan.sequential(size()));
    }

    /**
     * Classifies images with the blocks of the plan {@code policy} draws for this pass.
     *
     * @throws IllegalArgumentException  as {@link #predict(float[][][][])}, or as {@link ExecutionPolicy#plan(int)}
     * @throws IllegalStateException     if the model is closed
     * @throws LayerShuffleException     if ONNX Runtime fails, or no block is available
     */
    public Prediction predict(float[][][][] pixels, ExecutionPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return predict(pixels, policy.plan(size()));
    }

    /**
     * Classifies images with the blocks of {@code plan}, each told the slot it runs in.
     *
     * @throws IllegalArgumentException as {@link #predict(float[][][][])}, or if the plan was made for another
     *                                  number of blocks
     * @throws IllegalStateException    if the model is closed
     * @throws LayerShuffleException    if ONNX Runtime fails, or a part returns what breaks the tensor contract
     *                                  or is not finite (naming the part)
     * @throws DeadlineExceededException past {@link RuntimeOptions#callTimeout()}
     */
    public Prediction predict(float[][][][] pixels, ExecutionPlan plan) {
        Call call = enter("predict");
        try {
            checkPlan(plan);
            try (OnnxTensor input = PixelInput.tensor(pixels, config())) {
                return forward(input, plan, call);
            }
        } finally {
            exit(call);
        }
    }

    /**
     * Classifies images given as {@code pixels.remaining()} row-major values of shape {@code [batch, C, H, W]},
     * with the plan {@code policy} draws. A direct buffer in native order is read in place.
     *
     * @throws IllegalArgumentException if the shape is not {@code [batch >= 1, C, H, W]} of the config, the buffer
     *                                  holds another number of values, a value is NaN or infinite (naming its
     *                                  index), or as {@link ExecutionPolicy#plan(int)}
     * @throws IllegalStateException    if the model is closed
     * @throws LayerShuffleException    if ONNX Runtime fails, or a part returns what breaks the tensor contract
     *                                  or is not finite (naming the part)
     * @throws DeadlineExceededException past {@link RuntimeOptions#callTimeout()}
     */
    public Prediction predict(FloatBuffer pixels, long[] shape, ExecutionPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return predict(pixels, shape, policy.plan(size()));
    }

    /**
     * Classifies images given as a buffer and shape with the blocks of {@code plan}.
     *
     * @throws IllegalArgumentException as {@link #predict(FloatBuffer, long[], ExecutionPolicy)}, or if the plan
     *                                  was made for another number of blocks
     * @throws IllegalStateException    if the model is closed
     * @throws LayerShuffleException    if ONNX Runtime fails, or a part returns what breaks the tensor contract
     *                                  or is not finite (naming the part)
     * @throws DeadlineExceededException past {@link RuntimeOptions#callTimeout()}
     */
    public Prediction predict(FloatBuffer pixels, long[] shape, ExecutionPlan plan) {
        Call call = enter("predict");
        try {
            checkPlan(plan);
            try (OnnxTensor input = PixelInput.tensor(pixels, shape, config())) {
                return forward(input, plan, call);
            }
        } finally {
            exit(call);
        }
    }

    /**
     * Classifies decoded images with every block in its trained order; each is converted to the config's channels
     * and stretched to its image size as {@link ImageInput#of(ModelConfig)} does, and the batch is passed to
     * {@link #predict(FloatBuffer, long[], ExecutionPlan)}. {@link Prediction#topK(int, int)} names the classes.
     *
     * @throws IllegalArgumentException if there is no image or one is {@code null}, or the config's channels are
     *                                  not 1 or 3
     * @throws IllegalStateException    if the model is closed
     * @throws LayerShuffleException    if ONNX Runtime fails
     */
    public Prediction predict(BufferedImage... images) {
        return predict(ImageInput.of(config()).batch(images), ExecutionPolicy.sequential());
    }

    /**
     * Reads image files (PNG, JPEG, GIF, BMP, ...) as {@link ImageInput#of(ModelConfig)} does and classifies them,
     * in one batch, with the plan {@code policy} draws.
     *
     * <pre>{@code
     * Prediction p = model.predict(List.of(Path.of("shoe.png")), ExecutionPolicy.random(42));
     * System.out.println(p.plan() + ": " + p.topK(0, 3));
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code files} is empty or holds {@code null}, the config's channels are
     *                                  not 1 or 3, or as {@link ExecutionPolicy#plan(int)}
     * @throws LayerShuffleException    naming the first file that is missing, unreadable, not an image, truncated
     *                                  or over {@link ImageInput#DEFAULT_MAX_PIXELS} pixels; or if ONNX Runtime
     *                                  fails
     * @throws IllegalStateException    if the model is closed
     */
    public Prediction predict(List<Path> files, ExecutionPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return predict(ImageInput.of(config()).read(files), policy);
    }

    /**
     * Classifies a batch that an {@link ImageInput} made (any fit or pixel cap), with the plan {@code policy}
     * draws; ONNX Runtime reads its buffer in place.
     *
     * @throws IllegalArgumentException if the batch was made for another channel count or image size, or as
     *                                  {@link ExecutionPolicy#plan(int)}
     * @throws IllegalStateException    if the model is closed
     * @throws LayerShuffleException    if ONNX Runtime fails
     */
    public Prediction predict(PixelBatch batch, ExecutionPolicy policy) {
        Objects.requireNonNull(batch, "batch");
        return predict(batch.buffer(), batch.shape(), policy);
    }

    /**
     * Runs only the stem: the tokens {@code [batch, T, D]} of these images, for the caller to pass through
     * {@link #run(OnnxTensor, ExecutionPlan)} or single blocks, and to close.
     *
     * @throws IllegalArgumentException as {@link #predict(float[][][][])}
     * @throws IllegalStateException    if the model is closed
     * @throws LayerShuffleException    if ONNX Runtime fails, or a part returns what breaks the tensor contract
     *                                  or is not finite (naming the part)
     * @throws DeadlineExceededException past {@link RuntimeOptions#callTimeout()}
     */
    public OnnxTensor stem(float[][][][] pixels) {
        Call call = enter("stem");
        try (OnnxTensor input = PixelInput.tensor(pixels, config())) {
            return finite(stem.runStem(input, call, observer), "the tokens of the stem of export " + stem.label());
        } finally {
            exit(call);
        }
    }

    /**
     * Runs only the head on tokens {@code [batch, T, D]}; the tokens stay open.
     *
     * @return the logits {@code [batch][classes]}
     * @throws IllegalArgumentException if {@code tokens} is not an open float tensor {@code [batch, T, D]}
     * @throws IllegalStateException    if the model is closed
     * @throws LayerShuffleException    if ONNX Runtime fails, or a part returns what breaks the tensor contract
     *                                  or is not finite (naming the part)
     * @throws DeadlineExceededException past {@link RuntimeOptions#callTimeout()}
     */
    public float[][] head(OnnxTensor tokens) {
        Call call = enter("head");
        try {
            Passes.checkTokens(tokens, config());
            return head.runHead(tokens, call, observer);
        } finally {
            exit(call);
        }
    }

    /**
     * Runs {@code input} tokens through the blocks of {@code plan}. The input stays open; the result belongs to
     * the caller; every tensor made in between is closed.
     *
     * @throws IllegalArgumentException if the plan was made for another number of blocks, or {@code input} is not
     *                                  an open float tensor {@code [batch, T, D]} of this model
     * @throws IllegalStateException    if the model is closed
     * @throws LayerShuffleException    if ONNX Runtime fails, or a part returns what breaks the tensor contract
     *                                  or is not finite (naming the part)
     * @throws DeadlineExceededException past {@link RuntimeOptions#callTimeout()}
     */
    @Override
    public OnnxTensor run(OnnxTensor input, ExecutionPlan plan) {
        Call call = enter("run");
        try {
            checkPlan(plan);
            Passes.checkTokens(input, config());
            Function<OnnxTensor, OnnxTensor> pass = in -> Passes.run(blocks, tokenPool, in, plan, call, observer);
            return Batches.batch(input) > passImages ? Batches.tokens(input, passImages, pass) : pass.apply(input);
        } finally {
            exit(call);
        }
    }

    OnnxTensor applyBlock(OrtBlock block, OnnxTensor input, int position) {
        Call call = enter(block.toString());
        try {
            Passes.checkTokens(input, config());
            Function<OnnxTensor, OnnxTensor> pass = in -> finite(block.export().runBlock(block.index(), in, position,
                    false, call, observer).tokens(), "the tokens of " + block);
            return Batches.batch(input) > passImages ? Batches.tokens(input, passImages, pass) : pass.apply(input);
        } finally {
            exit(call);
        }
    }

    /** {@code tokens}, which the caller is to own, if they are all finite; else closes them and throws. */
    private static OnnxTensor finite(OnnxTensor tokens, String what) {
        try {
            TensorContract.checkFinite(what, tokens);
            return tokens;
        } catch (RuntimeException e) {
            tokens.close();
            throw e;
        }
    }

    /** The images in passes of at most {@link RuntimeOptions#passImagesFor} images each. */
    private Prediction forward(OnnxTensor pixels, ExecutionPlan plan, Call call) {
        Function<OnnxTensor, Prediction> pass = in -> Passes.predict(stem, blocks, head, labels, tokenPool, in, plan,
                call, observer);
        return Batches.batch(pixels) > passImages ? Batches.predict(pixels, passImages, pass) : pass.apply(pixels);
    }

    private void checkPlan(ExecutionPlan plan) {
        Objects.requireNonNull(plan, "plan");
        if (plan.blockCount() != size()) {
            throw new IllegalArgumentException("plan " + plan + " was made for " + plan.blockCount()
                    + " blocks, this model has " + size());
        }
    }

    /** Starts a call with the deadline of the options, see {@link RuntimeOptions#callTimeout()}. */
    private Call enter(String what) {
        return guard.enter(what, this, options.callTimeout());
    }

    private void exit(Call call) {
        guard.exit(call);
    }

    LoadedExport stemExport() {
        return stem;
    }

    LoadedExport headExport() {
        return head;
    }

    OrtBlock slot(int index) {
        return blocks.get(index);
    }

    /**
     * The most images this model sends through its sessions at once, {@link RuntimeOptions#passImagesFor} of its
     * config; a larger batch runs in passes of this many.
     */
    public int passImages() {
        return passImages;
    }

    /** The idle token tensors this model keeps between calls; for tests. */
    TokenPool tokenPool() {
        return tokenPool;
    }

    /**
     * Tests see every ONNX Runtime value a run allocated (not the pooled tensors blocks wrote into), to check that
     * each is closed or kept in the {@link #tokenPool()}.
     */
    void observeOutputs(Consumer<? super OnnxValue> observer) {
        this.observer = observer == null ? NO_OBSERVER : observer;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return guard.isClosed();
    }

    /**
     * Refuses new calls, waits for calls in flight up to {@link RuntimeOptions#closeTimeout()}, ends those still
     * running through ONNX Runtime (they throw {@link IllegalStateException}) and waits as long again, then lets go
     * of the sessions; an export's sessions close when no model uses them any more. It never blocks longer than
     * twice the close timeout: a call that outlives that lets go of the sessions when it returns. A second call
     * does nothing.
     */
    @Override
    public void close() {
        guard.close(() -> {
            tokenPool.close();
            exports.forEach(LoadedExport::release);
        }, options.closeTimeout());
    }

    @Override
    public String toString() {
        boolean single = exports.size() == 1 && blocks.size() == stem.blockCount()
                && IntStream.range(0, blocks.size()).allMatch(i -> blocks.get(i).index() == i);
        if (single) {
            return "LayerShuffleModel[" + stem.config().variant() + ", export=" + stem.label() + ", " + blocks.size()
                    + " blocks" + (guard.isClosed() ? ", closed" : "") + "]";
        }
        return "LayerShuffleModel[" + stem.config().variant() + ", stem=" + stem.label() + ", blocks="
                + blocks.stream().map(b -> b.export().label() + "#" + b.index()).toList() + ", head=" + head.label()
                + (guard.isClosed() ? ", closed" : "") + "]";
    }
}
