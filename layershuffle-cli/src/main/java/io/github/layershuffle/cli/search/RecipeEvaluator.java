package io.github.layershuffle.cli.search;

import ai.onnxruntime.OnnxTensor;
import io.github.layershuffle.api.IncompatibleBlocksException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.ModelIdentity;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.train.data.ImageDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Measures block recipes on one labelled image set through ONNX Runtime, as a host app would run them: the stem
 * and head of the first export, then the recipe's blocks in order, each block told the slot it runs in.
 *
 * <p>Fast by caching, never by approximating: the stem's tokens are computed once per image; the tokens after
 * every prefix of blocks are kept in a {@link PrefixCache} bounded in bytes, so a candidate that begins with the
 * blocks of an earlier one resumes where that one was; and a recipe measured before is not run again (so, with
 * the memo on, the tokens after a whole recipe are not cached: only the same recipe would use them). The
 * logits are exactly those of {@link LayerShuffleModel#compose()} over the same blocks with the same batches.
 *
 * <pre>{@code
 * try (RecipeEvaluator e = RecipeEvaluator.open(List.of(a, b), validation, RecipeEvaluator.Options.defaults())) {
 *     RecipeEvaluator.Score s = e.evaluate(List.of(new BlockRef(1, 4), new BlockRef(0, 2)));
 * }
 * }</pre>
 *
 * <p>Not thread-safe: use one evaluator from one thread (ONNX Runtime parallelises inside each block).
 */
public final class RecipeEvaluator implements AutoCloseable {
    private final List<Path> exports;
    private final List<LayerShuffleModel> sources;
    private final LayerShuffleModel base;
    private final int[] labels;
    private final int[] batchStarts;
    private final OnnxTensor[] stemTokens;
    private final float[][][][][] pixels; // per batch, kept only when the stem runs for every recipe
    private final PrefixCache cache;
    private final boolean caching;
    private final boolean memoize;
    private final Map<List<BlockRef>, Score> measured = new HashMap<>();
    private final int maxSlots;
    private long evaluations;
    private long requests;
    private long blocksRun;
    private long blocksResumed;
    private boolean closed;

    /**
     * How to evaluate.
     *
     * @param batchSize  images per ONNX Runtime call
     * @param cacheBytes bound of the prefix cache in bytes; 0 turns prefix caching off
     * @param memoize    whether a recipe measured before returns its stored score
     * @param cacheStem  whether the stem's tokens are computed once per image (else once per recipe)
     * @param runtime    options of the ONNX Runtime sessions
     */
    public record Options(int batchSize, long cacheBytes, boolean memoize, boolean cacheStem, RuntimeOptions runtime) {
        /** 512 MiB: about 60 prefixes of the small experiment's model (17 tokens of width 64) on 2,000 images. */
        public static final long DEFAULT_CACHE_BYTES = 512L << 20;

        /**
         * @throws IllegalArgumentException if {@code batchSize < 1} or {@code cacheBytes < 0}
         */
        public Options {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, was " + batchSize);
            }
            if (cacheBytes < 0) {
                throw new IllegalArgumentException("cacheBytes must be >= 0, was " + cacheBytes);
            }
            Objects.requireNonNull(runtime, "runtime");
        }

        /** Batch 250, a 512 MiB prefix cache, memoized, default runtime options. */
        public static Options defaults() {
            return new Options(250, DEFAULT_CACHE_BYTES, true, true, RuntimeOptions.defaults());
        }

        /**
         * No cache at all: the stem and every block of every recipe run, each time; for measuring what the
         * caches save.
         */
        public Options uncached() {
            return new Options(batchSize, 0, false, false, runtime);
        }
    }

    /**
     * Accuracy and loss of one recipe.
     *
     * @param correct images classified right
     * @param images  images measured
     * @param loss    mean cross-entropy of the true class
     */
    public record Score(int correct, int images, double loss) {
        /** Share of images classified right. */
        public double accuracy() {
            return images == 0 ? 0 : (double) correct / images;
        }

        /** Accuracy first; among equal accuracy, lower loss is better. Monotone in both. */
        public double fitness() {
            return correct + 0.5 / (1 + Math.max(0, loss));
        }
    }

    private RecipeEvaluator(List<Path> exports, List<LayerShuffleModel> sources, ImageDataset data, Options o) {
        this.exports = List.copyOf(exports);
        this.sources = sources;
        this.base = sources.get(0);
        this.caching = o.cacheBytes() > 0;
        this.cache = new PrefixCache(o.cacheBytes());
        ModelConfig c = base.config();
        this.maxSlots = c.variant().usesPosition() ? c.depth() : Integer.MAX_VALUE;
        if (data.channels() != c.channels() || data.height() != c.imageSize() || data.width() != c.imageSize()) {
            throw new IllegalArgumentException("images of " + data.name() + " are " + data.channels() + "x"
                    + data.height() + "x" + data.width() + ", the models take " + c.channels() + "x" + c.imageSize()
                    + "x" + c.imageSize());
        }
        int n = data.count();
        this.labels = data.labels();
        int batches = (n + o.batchSize() - 1) / o.batchSize();
        this.batchStarts = new int[batches + 1];
        this.stemTokens = new OnnxTensor[batches];
        this.pixels = o.cacheStem() ? null : new float[batches][][][][];
        for (int b = 0; b < batches; b++) {
            int from = b * o.batchSize();
            int to = Math.min(n, from + o.batchSize());
            batchStarts[b] = from;
            batchStarts[b + 1] = to;
            float[][][][] pixels = pixels(data, from, to);
            if (this.pixels == null) {
                stemTokens[b] = base.stem(pixels);
            } else {
                this.pixels[b] = pixels;
            }
        }
        this.memoize = o.memoize();
    }

    /**
     * Loads the exports (one family) and computes the stem's tokens of every image of {@code data} once.
     *
     * @param exports export directories; the first gives the stem and the head
     * @throws IllegalArgumentException    if {@code exports} is empty, {@code data} is empty or its images do not
     *                                     fit the models
     * @throws IncompatibleBlocksException naming the export and block when a block cannot run with the first
     *                                     export's stem (another family, width, token count or variant)
     * @throws io.github.layershuffle.api.LayerShuffleException as {@link LayerShuffleModel#load(Path)}
     */
    public static RecipeEvaluator open(List<Path> exports, ImageDataset data, Options options) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(options, "options");
        if (exports.isEmpty()) {
            throw new IllegalArgumentException("a search needs at least one export");
        }
        if (data.count() == 0) {
            throw new IllegalArgumentException("the image set " + data.name() + " is empty");
        }
        List<LayerShuffleModel> models = new ArrayList<>();
        try {
            for (Path p : exports) {
                models.add(LayerShuffleModel.load(p, options.runtime()));
            }
            ModelIdentity first = models.get(0).identity(0).orElseThrow();
            for (int s = 0; s < models.size(); s++) {
                LayerShuffleModel m = models.get(s);
                for (int b = 0; b < m.size(); b++) {
                    first.checkCompatible(m.identity(b).orElseThrow(), "export " + exports.get(s) + " block " + b
                            + " vs export " + exports.get(0));
                }
            }
            return new RecipeEvaluator(exports, models, data, options);
        } catch (RuntimeException | Error e) {
            models.forEach(LayerShuffleModel::close);
            throw e;
        }
    }

    /** The export directories, in source order. */
    public List<Path> exports() {
        return exports;
    }

    /** How many blocks source {@code source} has. */
    public int blockCount(int source) {
        return sources.get(Objects.checkIndex(source, sources.size())).size();
    }

    /** The most slots a recipe may have: the depth for -position models (their slot table), else unbounded. */
    public int maxSlots() {
        return maxSlots;
    }

    /** The number of images measured. */
    public int images() {
        return labels.length;
    }

    /**
     * The accuracy and loss of {@code recipe} on the images.
     *
     * @throws IllegalArgumentException if the recipe is empty, too long, or names a source or block that does
     *                                  not exist
     * @throws IllegalStateException    if this evaluator is closed
     */
    public Score evaluate(List<BlockRef> recipe) {
        check(recipe);
        requests++;
        if (memoize) {
            Score s = measured.get(recipe);
            if (s != null) {
                return s;
            }
        }
        int correct = 0;
        double loss = 0;
        // with the memo, the tokens after the whole recipe are never needed again: a search's candidates of one
        // budget all have its length, so only an identical recipe could resume from them, and the memo answers it
        try (Tokens tokens = tokensAfter(recipe, !memoize)) {
            for (int b = 0; b < tokens.batches.length; b++) {
                float[][] logits = base.head(tokens.batches[b]);
                for (int i = 0; i < logits.length; i++) {
                    int label = labels[batchStarts[b] + i];
                    int best = 0;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int k = 0; k < logits[i].length; k++) {
                        if (logits[i][k] > max) {
                            max = logits[i][k];
                            best = k;
                        }
                    }
                    double sum = 0;
                    for (float v : logits[i]) {
                        sum += Math.exp(v - max);
                    }
                    loss += Math.log(sum) + max - logits[i][label];
                    correct += best == label ? 1 : 0;
                }
            }
        }
        evaluations++;
        Score s = new Score(correct, labels.length, loss / labels.length);
        if (memoize) {
            measured.put(List.copyOf(recipe), s);
        }
        return s;
    }

    /**
     * The logits {@code [image][class]} of {@code recipe}, computed as {@link #evaluate} does (through the
     * caches); for checking them against an uncached composition.
     *
     * @throws IllegalArgumentException as {@link #evaluate(List)}
     */
    public float[][] logits(List<BlockRef> recipe) {
        check(recipe);
        try (Tokens tokens = tokensAfter(recipe, true)) {
            float[][] all = new float[labels.length][];
            for (int b = 0; b < tokens.batches.length; b++) {
                float[][] logits = base.head(tokens.batches[b]);
                System.arraycopy(logits, 0, all, batchStarts[b], logits.length);
            }
            return all;
        }
    }

    /** The tokens after a recipe, one tensor per batch; closed here unless the stem or the cache owns them. */
    private record Tokens(OnnxTensor[] batches, boolean owned) implements AutoCloseable {
        @Override
        public void close() {
            if (owned) {
                closeAll(batches);
            }
        }
    }

    /**
     * Runs the blocks of {@code recipe} that no cached prefix covers, caching the tokens after each prefix, and
     * after the whole recipe too if {@code cacheWhole}.
     */
    private Tokens tokensAfter(List<BlockRef> recipe, boolean cacheWhole) {
        int start = caching ? cache.longestPrefix(recipe) : 0;
        OnnxTensor[] tokens = start > 0 ? cache.get(recipe.subList(0, start)) : pixels == null ? stemTokens : stem();
        boolean owned = start == 0 && pixels != null; // whether we close tokens (neither cached stem nor prefix)
        blocksResumed += start;
        for (int slot = start; slot < recipe.size(); slot++) {
            BlockRef ref = recipe.get(slot);
            LayerShuffleModel source = sources.get(ref.source());
            OnnxTensor[] next = new OnnxTensor[tokens.length];
            try {
                for (int b = 0; b < tokens.length; b++) {
                    next[b] = source.block(ref.block()).apply(tokens[b], slot);
                }
            } catch (RuntimeException | Error e) {
                closeAll(next);
                if (owned) {
                    closeAll(tokens);
                }
                throw e;
            }
            blocksRun++;
            if (owned) {
                closeAll(tokens);
            }
            tokens = next;
            boolean keep = caching && (cacheWhole || slot + 1 < recipe.size());
            owned = !(keep && cache.put(recipe.subList(0, slot + 1), next));
        }
        return new Tokens(tokens, owned);
    }

    /** Images {@code [from, to)} of {@code data} as {@code [batch][C][H][W]}, the form the model's stem takes. */
    static float[][][][] pixels(ImageDataset data, int from, int to) {
        float[][][][] pixels = new float[to - from][data.channels()][data.height()][data.width()];
        for (int i = from; i < to; i++) {
            float[] img = data.image(i);
            int k = 0;
            for (float[][] channel : pixels[i - from]) {
                for (float[] row : channel) {
                    System.arraycopy(img, k, row, 0, row.length);
                    k += row.length;
                }
            }
        }
        return pixels;
    }

    /** The stem's tokens of every batch, computed now. */
    private OnnxTensor[] stem() {
        OnnxTensor[] t = new OnnxTensor[pixels.length];
        try {
            for (int b = 0; b < pixels.length; b++) {
                t[b] = base.stem(pixels[b]);
            }
            return t;
        } catch (RuntimeException | Error e) {
            closeAll(t);
            throw e;
        }
    }

    private static void closeAll(OnnxTensor[] tensors) {
        for (OnnxTensor t : tensors) {
            if (t != null) {
                t.close();
            }
        }
    }

    private void check(List<BlockRef> recipe) {
        if (closed) {
            throw new IllegalStateException("RecipeEvaluator is closed");
        }
        if (recipe.isEmpty() || recipe.size() > maxSlots) {
            throw new IllegalArgumentException("a recipe has 1 to " + maxSlots + " slots, this one " + recipe.size());
        }
        for (BlockRef r : recipe) {
            if (r.source() >= sources.size()) {
                throw new IllegalArgumentException("source " + r.source() + " out of range [0, " + sources.size()
                        + ")");
            }
            if (r.block() >= sources.get(r.source()).size()) {
                throw new IllegalArgumentException("block " + r.block() + " out of range [0, "
                        + sources.get(r.source()).size() + ") of export " + exports.get(r.source()));
            }
        }
    }

    /** Recipes measured (not counting memoized repeats). */
    public long evaluations() {
        return evaluations;
    }

    /** Calls to {@link #evaluate}, memoized repeats included. */
    public long requests() {
        return requests;
    }

    /** Block runs over the whole image set that were executed. */
    public long blocksRun() {
        return blocksRun;
    }

    /** Block runs over the whole image set that a cached prefix saved. */
    public long blocksResumed() {
        return blocksResumed;
    }

    /** Bytes the prefix cache holds now. */
    public long cacheBytes() {
        return cache.bytes();
    }

    /** Closes the cached tokens and the models; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cache.close();
        closeAll(stemTokens); // null entries when the stem runs per recipe
        sources.forEach(LayerShuffleModel::close);
    }
}
