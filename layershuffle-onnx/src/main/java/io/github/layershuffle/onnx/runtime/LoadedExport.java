package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.ModelIdentity;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One verified export with a session per graph, shared by every model that uses its stem, blocks or head and
 * closed when the last of them lets go (reference counted).
 */
final class LoadedExport {
    private static final Logger LOG = LoggerFactory.getLogger(LoadedExport.class);
    private static final Set<String> TOKENS_ONLY = Set.of(TensorContract.TOKENS_OUT);
    private static final Set<String> TOKENS_AND_LOGITS =
            Set.of(TensorContract.TOKENS_OUT, TensorContract.POSITION_LOGITS);
    private static final Set<String> LOGITS_ONLY = Set.of(TensorContract.POSITION_LOGITS);
    private static final Set<String> TOKENS_ONLY_STEM = Set.of(TensorContract.TOKENS);

    private final String label;
    private final Object key;
    private final Manifest manifest;
    private final ModelIdentity identity;
    private final GraphSession stem;
    private final List<GraphSession> blocks;
    private final GraphSession head;
    /** Scalar int64 slot tensors 0..depth-1 for LayerShuffle-position; read-only inputs, shared by threads. */
    private final List<OnnxTensor> positions;
    private final AtomicInteger refs = new AtomicInteger(1);
    /** The key whose signature of the manifest was verified on loading, or null if none was required. */
    private final PublicKey signer;

    private LoadedExport(String label, Object key, Manifest manifest, GraphSession stem, List<GraphSession> blocks,
                         GraphSession head, List<OnnxTensor> positions, PublicKey signer) {
        this.label = label;
        this.key = key;
        this.manifest = manifest;
        this.identity = new ModelIdentity(manifest.family(), manifest.config());
        this.stem = stem;
        this.blocks = List.copyOf(blocks);
        this.head = head;
        this.positions = List.copyOf(positions);
        this.signer = signer;
    }

    /**
     * Reads and verifies the manifest and every graph's size and SHA-256, refuses external data, then opens one
     * session per graph. The result holds one reference, owned by the caller.
     *
     * @throws LayerShuffleException naming the export, file and fault
     */
    static LoadedExport open(ExportSource source, String label, RuntimeOptions options) {
        long start = System.nanoTime();
        byte[] manifestBytes = Manifest.readBytes(source);
        // the manifest holds every graph's SHA-256: its signature is checked on these bytes, before parsing them
        PublicKey signer = ExportSignatures.check(source, label, manifestBytes, options);
        Manifest manifest = Manifest.parse(new String(manifestBytes, StandardCharsets.UTF_8),
                "export " + label + ": " + Manifest.FILE_NAME);
        OrtEnvironment env = SharedEnvironment.get(options);
        List<AutoCloseable> opened = new ArrayList<>();
        try (SessionOptions opts = options.toSessionOptions(manifest.config())) {
            if (options.sharedThreadPool() && SharedEnvironment.hasGlobalPool()) {
                opts.disablePerSessionThreads();
            }
            GraphSession stem = session(source, label, env, opts, options, manifest.stem(), "stem", opened);
            List<GraphSession> blocks = new ArrayList<>();
            for (Manifest.Graph g : manifest.blocks()) {
                blocks.add(session(source, label, env, opts, options, g, "block " + g.index(), opened));
            }
            GraphSession head = session(source, label, env, opts, options, manifest.head(), "head", opened);
            List<OnnxTensor> positions = new ArrayList<>();
            if (manifest.config().variant().usesPosition()) {
                for (long p = 0; p < manifest.config().depth(); p++) {
                    OnnxTensor t = OnnxTensor.createTensor(env, p);
                    opened.add(t);
                    positions.add(t);
                }
            }
            LOG.debug("loaded export {} ({}, {} blocks, family {}) in {} ms with {}", label,
                    manifest.config().variant(), blocks.size(), manifest.family(),
                    (System.nanoTime() - start) / 1_000_000, options);
            return new LoadedExport(label, source.key(), manifest, stem, blocks, head, positions, signer);
        } catch (OrtException e) {
            closeAll(opened);
            throw new LayerShuffleException("export " + label + ": cannot create a position tensor: "
                    + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            closeAll(opened);
            throw e;
        }
    }

    private static GraphSession session(ExportSource source, String label, OrtEnvironment env, SessionOptions opts,
                                        RuntimeOptions options, Manifest.Graph graph, String role,
                                        List<AutoCloseable> opened) {
        byte[] bytes = graph.bytes() >= 0
                ? source.read(graph.file(), graph.bytes(), "the manifest's bytes")
                : source.read(graph.file(), options.maxGraphBytes(), "RuntimeOptions.maxGraphBytes");
        if (graph.bytes() >= 0 && bytes.length != graph.bytes()) {
            throw new LayerShuffleException("export " + label + ": " + role + " file " + graph.file() + " holds "
                    + bytes.length + " bytes but the manifest says " + graph.bytes() + ": the file is truncated or "
                    + "was changed after export");
        }
        String actual = sha256(bytes);
        if (!actual.equalsIgnoreCase(graph.sha256())) {
            throw new LayerShuffleException("export " + label + ": " + role + " file " + graph.file() + " has SHA-256 "
                    + actual + " but the manifest says " + graph.sha256().toLowerCase() + " (" + bytes.length
                    + " bytes): the file is damaged, truncated or was changed after export");
        }
        GraphSession s = GraphSession.open(env, opts, bytes, graph, role + " (" + graph.file() + ") of export "
                + label);
        opened.add(s);
        return s;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** The key whose signature of the manifest was verified on loading, or {@code null} if none was required. */
    PublicKey signer() {
        return signer;
    }

    String label() {
        return label;
    }

    /** Identifies where the export was loaded from ({@link ExportSource#key()}). */
    Object key() {
        return key;
    }

    Manifest manifest() {
        return manifest;
    }

    ModelConfig config() {
        return manifest.config();
    }

    ModelIdentity identity() {
        return identity;
    }

    int blockCount() {
        return blocks.size();
    }

    /** Adds a reference for another model. */
    void acquire() {
        refs.getAndUpdate(n -> {
            if (n <= 0) {
                throw new IllegalStateException("export " + label + " is already closed");
            }
            return n + 1;
        });
    }

    /** Drops a reference; the last one closes every session. */
    void release() {
        if (refs.decrementAndGet() == 0) {
            List<AutoCloseable> all = new ArrayList<>(positions);
            all.add(stem);
            all.addAll(blocks);
            all.add(head);
            closeAll(all);
            LOG.debug("closed export {}", label);
        }
    }

    /** Runs the stem; the caller owns the returned tokens. */
    OnnxTensor runStem(OnnxTensor pixels, Call call, Consumer<? super OnnxValue> observer) {
        return runStem(pixels, null, call, observer);
    }

    /**
     * Runs the stem, writing the tokens into {@code into} (an open {@code [batch, T, D]} tensor of the pixels' batch
     * size, returned) or, when it is null, into a tensor ONNX Runtime allocates, which the caller then owns.
     */
    OnnxTensor runStem(OnnxTensor pixels, OnnxTensor into, Call call, Consumer<? super OnnxValue> observer) {
        Map<String, OnnxTensor> in = Map.of(TensorContract.PIXELS, pixels);
        OrtSession.Result r = into == null ? stem.run(in, TOKENS_ONLY_STEM, Map.of(), call)
                : stem.run(in, Set.of(), Map.of(TensorContract.TOKENS, into), call);
        return keepOnly(r, TensorContract.TOKENS, into, stem, observer, tokenShape(pixels));
    }

    /** The contract's tokens {@code [batch, T, D]} for the batch of {@code input}. */
    private long[] tokenShape(OnnxTensor input) {
        return new long[] {input.getInfo().getShape()[0], config().tokenCount(), config().width()};
    }

    /** A block's output: its tokens, owned by the caller, and for -predict the position logits copied out. */
    record BlockOutput(OnnxTensor tokens, float[][] positionLogits) {
    }

    /**
     * Runs block {@code index} in slot {@code slot}. With {@code wantLogits} on a -predict export, the position
     * logits {@code [batch][depth]} are copied out; otherwise they are not computed.
     *
     * @throws IllegalArgumentException if this is a -position export and {@code slot} is outside its depth
     */
    BlockOutput runBlock(int index, OnnxTensor tokens, int slot, boolean wantLogits, Call call,
                         Consumer<? super OnnxValue> observer) {
        return runBlock(index, tokens, slot, wantLogits, null, call, observer);
    }

    /**
     * As {@link #runBlock(int, OnnxTensor, int, boolean, Call, Consumer)}, writing the tokens into {@code into} when it is
     * not null: an open {@code [batch, T, D]} tensor of the input's batch size, other than the input, which is
     * returned as the output's tokens.
     */
    BlockOutput runBlock(int index, OnnxTensor tokens, int slot, boolean wantLogits, OnnxTensor into, Call call,
                         Consumer<? super OnnxValue> observer) {
        GraphSession g = blocks.get(index);
        Map<String, OnnxTensor> in;
        if (positions.isEmpty()) {
            in = Map.of(TensorContract.TOKENS, tokens);
        } else {
            if (slot < 0 || slot >= positions.size()) {
                throw new IllegalArgumentException(g.name() + ": slot " + slot + " is out of range [0, "
                        + positions.size() + "): the " + config().variant() + " variant embeds only the slots of a "
                        + "model of depth " + config().depth());
            }
            in = Map.of(TensorContract.TOKENS, tokens, TensorContract.POSITION, positions.get(slot));
        }
        boolean logits = wantLogits && config().variant().predictsPosition();
        OrtSession.Result r = into == null ? g.run(in, logits ? TOKENS_AND_LOGITS : TOKENS_ONLY, Map.of(), call)
                : g.run(in, logits ? LOGITS_ONLY : Set.of(), Map.of(TensorContract.TOKENS_OUT, into), call);
        long[] shape = tokenShape(tokens);
        float[][] positionLogits = null;
        if (logits) {
            try {
                OnnxValue v = output(r, TensorContract.POSITION_LOGITS, g);
                TensorContract.checkOutput(g.name(), TensorContract.POSITION_LOGITS, v, shape[0], config().depth());
                positionLogits = matrix(v);
            } catch (RuntimeException e) {
                r.close();
                throw e;
            }
        }
        return new BlockOutput(keepOnly(r, TensorContract.TOKENS_OUT, into, g, observer, shape), positionLogits);
    }

    /**
     * Runs the head and copies the logits out.
     *
     * @throws LayerShuffleException naming the head if the logits are not {@code [batch, K]} or not all finite
     */
    float[][] runHead(OnnxTensor tokens, Call call, Consumer<? super OnnxValue> observer) {
        OrtSession.Result r = head.run(Map.of(TensorContract.TOKENS, tokens), Set.of(TensorContract.LOGITS), Map.of(),
                call);
        try (OnnxTensor logits = keepOnly(r, TensorContract.LOGITS, null, head, observer,
                tokens.getInfo().getShape()[0], config().classes())) {
            float[][] m = matrix(logits);
            TensorContract.checkFinite(head.name(), m);
            return m;
        }
    }

    /**
     * Closes every value of {@code r} that the run allocated except output {@code name}, which is returned for the
     * caller to own; {@code pinned}, when not null, is the caller's tensor the run wrote output {@code name} into.
     * The observer sees the values the run allocated.
     *
     * @param expected the contract's shape of output {@code name}, batch first
     * @throws LayerShuffleException naming {@code g} if the output breaks the contract
     */
    private static OnnxTensor keepOnly(OrtSession.Result r, String name, OnnxTensor pinned, GraphSession g,
                                       Consumer<? super OnnxValue> observer, long... expected) {
        OnnxValue kept;
        try {
            kept = output(r, name, g);
            TensorContract.checkOutput(g.name(), name, kept, expected);
            for (Map.Entry<String, OnnxValue> e : r) {
                if (e.getValue() != pinned) {
                    observer.accept(e.getValue());
                }
            }
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
        for (Map.Entry<String, OnnxValue> e : r) {
            if (e.getValue() != kept) {
                e.getValue().close();
            }
        }
        return (OnnxTensor) kept;
    }

    private static OnnxValue output(OrtSession.Result r, String name, GraphSession g) {
        return r.get(name).orElseThrow(() -> new LayerShuffleException(g.name() + ": the run returned no output '"
                + name + "'"));
    }

    /** A {@code [rows, cols]} float tensor as a Java matrix. */
    static float[][] matrix(OnnxValue value) {
        if (!(value instanceof OnnxTensor t)) {
            throw new LayerShuffleException("expected a tensor, got a " + value.getType());
        }
        long[] shape = t.getInfo().getShape();
        if (shape.length != 2) {
            throw new LayerShuffleException("expected a [batch, n] tensor, got shape " + java.util.Arrays.toString(shape));
        }
        FloatBuffer buf = t.getFloatBuffer();
        float[][] m = new float[(int) shape[0]][(int) shape[1]];
        for (float[] row : m) {
            buf.get(row);
        }
        return m;
    }

    private static void closeAll(List<? extends AutoCloseable> resources) {
        for (AutoCloseable c : resources) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing {} failed", c, e);
            }
        }
    }

    @Override
    public String toString() {
        return label;
    }
}
