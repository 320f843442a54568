package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.OrtSession.SessionOptions.OptLevel;
import io.github.layershuffle.api.DeadlineExceededException;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link LayerShuffleModel} opens its ONNX Runtime sessions and uses memory: thread counts and the shared
 * thread pool, graph optimisation, arenas, the token pool, and the execution provider. Immutable.
 *
 * <pre>{@code
 * RuntimeOptions cpu = RuntimeOptions.builder().intraOpThreads(4).build();
 * RuntimeOptions gpu = RuntimeOptions.builder().cuda(0).build();   // needs onnxruntime_gpu, see below
 * }</pre>
 *
 * <p><b>CUDA.</b> The {@code com.microsoft.onnxruntime:onnxruntime} artifact is CPU only. To run on a GPU,
 * depend on {@code com.microsoft.onnxruntime:onnxruntime_gpu} of the same version instead (CUDA 12 and cuDNN 9
 * on the library path) and ask for {@link Builder#cuda(int)}. Loading fails with a message that says so when
 * the CUDA provider is not available; it never falls back to the CPU silently.
 *
 * <p><b>Limits.</b> {@link #callTimeout()} bounds each call, {@link #closeTimeout()} bounds {@code close()}, and
 * {@link #maxGraphBytes()} bounds the graph files a load reads (docs/FORMATS.md, "Limits").
 */
public final class RuntimeOptions {
    /** The default of {@link #tokenPoolBytes()}: 64 MiB. */
    public static final long DEFAULT_TOKEN_POOL_BYTES = 64L << 20;

    /**
     * The most bytes of MLP activations ({@code tokens x mlpWidth x 4} per image) one pass of a model works on by
     * default on the CPU: 6 MiB, two images of ViT-B/16 (2.4 MB each), 241 to 699 of the Fashion-MNIST models (9 to
     * 26 KB); see {@link #passImagesFor(ModelConfig)}.
     */
    public static final long PASS_ACTIVATION_BYTES = 6L << 20;
    /** The default of {@link #closeTimeout()}: 10 seconds. */
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /** The default and largest {@link #maxGraphBytes()}: the most a Java array holds, about 2 GiB. */
    public static final long MAX_GRAPH_BYTES = ExportSource.MAX_ARRAY_BYTES;

    private static final RuntimeOptions DEFAULTS = builder().build();

    private final int intraOpThreads;
    private final int interOpThreads;
    private final OptLevel optimization;
    private final int cudaDevice;
    private final boolean spinning;
    private final boolean sharedThreadPool;
    private final long tokenPoolBytes;
    private final boolean cpuArena;
    private final Boolean memoryPattern;
    private final int passImages;
    private final List<PublicKey> signatureKeys;
    private final Duration callTimeout;
    private final Duration closeTimeout;
    private final long maxGraphBytes;

    private RuntimeOptions(Builder b) {
        this.intraOpThreads = b.intraOpThreads;
        this.interOpThreads = b.interOpThreads;
        this.optimization = b.optimization;
        this.cudaDevice = b.cudaDevice;
        this.spinning = b.spinning;
        this.sharedThreadPool = b.sharedThreadPool;
        this.tokenPoolBytes = b.tokenPoolBytes;
        this.cpuArena = b.cpuArena;
        this.memoryPattern = b.memoryPattern;
        this.passImages = b.passImages;
        this.signatureKeys = b.signatureKeys;
        this.callTimeout = b.callTimeout;
        this.closeTimeout = b.closeTimeout;
        this.maxGraphBytes = b.maxGraphBytes;
    }

    /**
     * ONNX Runtime's own thread counts on the process-wide pool, all graph optimisations, no spinning, no per-session
     * arenas, a 64 MiB token pool, CPU.
     */
    public static RuntimeOptions defaults() {
        return DEFAULTS;
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Threads used inside one operator; 0 lets ONNX Runtime choose. */
    public int intraOpThreads() {
        return intraOpThreads;
    }

    /** Threads used to run independent operators in parallel; 0 lets ONNX Runtime choose. */
    public int interOpThreads() {
        return interOpThreads;
    }

    /** The graph optimisation level. */
    public OptLevel optimization() {
        return optimization;
    }

    /**
     * Whether idle ONNX Runtime worker threads spin waiting for work (default false). A composed model has one
     * session per graph, each with its own thread pool; threads of the session that just finished would
     * otherwise spin on the cores the next session needs.
     */
    public boolean spinning() {
        return spinning;
    }

    /**
     * Whether the sessions run on the process-wide ONNX Runtime thread pool (default true) rather than a pool
     * each. The shared pool is created, with this object's thread counts and spinning, by the first model
     * loaded in the process; later options cannot resize it. It exists only if this library created the ONNX
     * Runtime environment, i.e. loaded a model before any other ONNX Runtime use in the process.
     */
    public boolean sharedThreadPool() {
        return sharedThreadPool;
    }

    /**
     * The most bytes of idle token tensors {@code [batch, T, D]} a model keeps between calls (default
     * {@value #DEFAULT_TOKEN_POOL_BYTES}, 64 MiB). Within one pass the blocks write into two token tensors in turn
     * (ONNX Runtime pinned outputs) rather than each allocating its own; kept between passes, those two need not be
     * allocated at all. This saves a fixed cost per block that matters at small batches. The memory is ONNX
     * Runtime's, freed when a tensor leaves the pool and when the model is closed; the batch sizes used least
     * recently leave first. 0 keeps none between calls.
     */
    public long tokenPoolBytes() {
        return tokenPoolBytes;
    }

    /**
     * Whether each session keeps its CPU working memory in an arena of its own (default false). ONNX Runtime's
     * default suits one session; a composed model has one per graph, and with an arena each keeps its own peak
     * working memory, so consecutive blocks work in different memory, fall out of the cache, and a model holds
     * that memory once per block. Without arenas each run takes its working memory from the process heap, where
     * the next block's run can find the memory the last one just freed. On the bench model, 20 calls at batch
     * 256 added 765 to 777 MiB of resident memory with arenas and 297 to 442 MiB without, and composition
     * stayed within 5% of one graph only without them (docs/PERFORMANCE.md).
     */
    public boolean cpuArena() {
        return cpuArena;
    }

    /**
     * Whether each session plans its working memory as one block per run, ONNX Runtime's memory pattern, as set
     * with {@link Builder#memoryPattern(boolean)}; empty (the default) decides per model, see
     * {@link #memoryPatternFor(ModelConfig)}.
     */
    public Optional<Boolean> memoryPattern() {
        return Optional.ofNullable(memoryPattern);
    }

    /**
     * Whether the sessions of a model of {@code config} use ONNX Runtime's memory pattern: the value set, else on
     * where one pass works on at most {@value #PASS_ACTIVATION_BYTES} bytes of MLP activations
     * ({@link #passImagesFor(ModelConfig)} images of {@code tokens x mlpWidth x 4} bytes), which by default is
     * every model on the CPU, and on CUDA (ONNX Runtime's default). Why: without an arena ({@link #cpuArena()}
     * false) the pattern's one block of working memory per run is allocated and freed on every run; while it is
     * small the C library hands the same memory back each time, which beats allocating each tensor on its own,
     * but once it is larger than the C library serves from its heap (glibc: 32 MiB at most unless
     * {@code MALLOC_MMAP_THRESHOLD_} says otherwise) it is mapped afresh on every run, its pages zeroed by the
     * kernel. ViT-B/16 in one pass of 8 images ran about 10% slower than one graph with the pattern and within
     * about 2% of it without; in passes of 2 images with the pattern, 2 to 6% faster (docs/PERFORMANCE.md,
     * "Between runs, and passes of two images").
     */
    public boolean memoryPatternFor(ModelConfig config) {
        if (memoryPattern != null) {
            return memoryPattern;
        }
        if (cuda()) {
            return true;
        }
        return (long) passImagesFor(config) * activationBytesPerImage(config) <= PASS_ACTIVATION_BYTES;
    }

    /** The most images per pass as set with {@link Builder#passImages(int)}; empty (the default) decides per model. */
    public Optional<Integer> passImages() {
        return passImages > 0 ? Optional.of(passImages) : Optional.empty();
    }

    /**
     * The most images {@code predict}, {@code run} and a block's {@code apply} send through the sessions at once
     * for a model of {@code config}: the value set, else on the CPU as many as keep one pass's MLP activations
     * within {@value #PASS_ACTIVATION_BYTES} bytes (at least 1), and on CUDA no limit. A larger batch runs as
     * consecutive passes, joined in image order; the results are the same, since no operator mixes images. Passes
     * cost nothing in throughput on the CPU at ViT-B/16's size (one image per call ran as fast per image as 8), and
     * keep the working memory of each run small, see {@link #memoryPatternFor(ModelConfig)}.
     */
    public int passImagesFor(ModelConfig config) {
        if (passImages > 0) {
            return passImages;
        }
        if (cuda()) {
            return Integer.MAX_VALUE;
        }
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, PASS_ACTIVATION_BYTES / activationBytesPerImage(config)));
    }

    private static long activationBytesPerImage(ModelConfig config) {
        return (long) config.tokenCount() * config.mlpWidth() * Float.BYTES;
    }

    /**
     * The Ed25519 public keys one of which must have signed every export loaded with these options (default none:
     * no signature is required); see {@link Builder#requireSignature(PublicKey...)}.
     */
    public List<PublicKey> signatureKeys() {
        return signatureKeys;
    }

    /**
     * The deadline of each call of a model ({@code predict}, {@code run}, {@code stem}, {@code head}, a block's
     * {@code apply}), from the call's start; {@link Duration#ZERO}, the default, sets none. At the deadline ONNX
     * Runtime's terminate flag ends the session that is running, also a graph that loops forever, and the call
     * throws {@link DeadlineExceededException} naming the part that ran.
     */
    public Duration callTimeout() {
        return callTimeout;
    }

    /**
     * How long {@code close()} waits for calls in flight (default 10 s) before it ends them through ONNX Runtime's
     * terminate flag and waits as long once more; it never blocks longer than twice this. Resources of a call that
     * outlives that are freed when it returns.
     */
    public Duration closeTimeout() {
        return closeTimeout;
    }

    /**
     * The most bytes of one graph file a load reads where the manifest does not state the file's {@code bytes}
     * (default and most {@link #MAX_GRAPH_BYTES}); a larger file is refused before it is read.
     */
    public long maxGraphBytes() {
        return maxGraphBytes;
    }

    /** Whether the sessions run on CUDA. */
    public boolean cuda() {
        return cudaDevice >= 0;
    }

    /** The CUDA device id, or -1 for the CPU. */
    public int cudaDevice() {
        return cudaDevice;
    }

    /**
     * Fresh ONNX Runtime session options for these settings; the caller closes them.
     *
     * @throws LayerShuffleException if CUDA is requested and this ONNX Runtime build cannot provide it, naming the
     *                               {@code onnxruntime_gpu} artifact
     */
    SessionOptions toSessionOptions(ModelConfig config) {
        SessionOptions opts = new SessionOptions();
        try {
            if (intraOpThreads > 0) {
                opts.setIntraOpNumThreads(intraOpThreads);
            }
            if (interOpThreads > 0) {
                opts.setInterOpNumThreads(interOpThreads);
            }
            opts.setOptimizationLevel(optimization);
            opts.setCPUArenaAllocator(cpuArena);
            opts.setMemoryPatternOptimization(memoryPatternFor(config));
            String spin = spinning ? "1" : "0";
            opts.addConfigEntry("session.intra_op.allow_spinning", spin);
            opts.addConfigEntry("session.inter_op.allow_spinning", spin);
            if (cuda()) {
                EnumSet<OrtProvider> providers = OrtEnvironment.getAvailableProviders();
                if (!providers.contains(OrtProvider.CUDA)) {
                    throw new LayerShuffleException(cudaMissing("this ONNX Runtime has only the providers "
                            + providers));
                }
                try {
                    opts.addCUDA(cudaDevice);
                } catch (OrtException e) {
                    throw new LayerShuffleException(cudaMissing("adding the CUDA provider for device " + cudaDevice
                            + " failed: " + e.getMessage()), e);
                }
            }
            return opts;
        } catch (OrtException e) {
            opts.close();
            throw new LayerShuffleException("cannot set ONNX Runtime session options " + this + ": "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            opts.close();
            throw e;
        }
    }

    private static String cudaMissing(String why) {
        return "CUDA was requested but " + why + ". Replace the dependency com.microsoft.onnxruntime:onnxruntime "
                + "with com.microsoft.onnxruntime:onnxruntime_gpu (same version, " + ortVersion()
                + ") and put CUDA 12 and cuDNN 9 on the library path, or run on the CPU (leave out cuda(...))";
    }

    private static String ortVersion() {
        try {
            return OrtEnvironment.getEnvironment().getVersion();
        } catch (RuntimeException e) {
            return "unknown";
        }
    }

    @Override
    public String toString() {
        return "RuntimeOptions[intraOpThreads=" + intraOpThreads + ", interOpThreads=" + interOpThreads
                + ", optimization=" + optimization + ", spinning=" + spinning + ", sharedThreadPool=" + sharedThreadPool + ", tokenPoolBytes=" + tokenPoolBytes + ", cpuArena=" + cpuArena + ", memoryPattern=" + (memoryPattern == null ? "auto" : memoryPattern) + ", passImages=" + (passImages > 0 ? passImages : "auto") + ", device=" + (cuda() ? "cuda:" + cudaDevice : "cpu") + ", callTimeout=" + callTimeout
                + ", closeTimeout=" + closeTimeout + ", maxGraphBytes=" + maxGraphBytes
                + (signatureKeys.isEmpty() ? "" : ", requireSignature=" + signatureKeys.stream()
                        .map(io.github.layershuffle.onnx.signing.ExportKeys::fingerprint).toList()) + "]";
    }

    /** Builds {@link RuntimeOptions}; every setting is optional. */
    public static final class Builder {
        private int intraOpThreads;
        private int interOpThreads;
        private OptLevel optimization = OptLevel.ALL_OPT;
        private int cudaDevice = -1;
        private boolean spinning;
        private boolean sharedThreadPool = true;
        private long tokenPoolBytes = DEFAULT_TOKEN_POOL_BYTES;
        private boolean cpuArena;
        private Boolean memoryPattern;
        private int passImages;
        private List<PublicKey> signatureKeys = List.of();
        private Duration callTimeout = Duration.ZERO;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private long maxGraphBytes = MAX_GRAPH_BYTES;

        private Builder() {
        }

        /**
         * Loads only exports whose {@code manifest.json.sig} is a valid Ed25519 signature of their manifest by one of
         * {@code keys} (default: no signature required). An unsigned export, one signed by another key, or one whose
         * manifest changed after signing is refused with a {@link LayerShuffleException} naming the export; a
         * composition checks every export it uses. What a signature proves is in {@code docs/FORMATS.md}. Read keys
         * with {@link io.github.layershuffle.onnx.signing.ExportKeys#readPublicKey(java.nio.file.Path)}.
         *
         * <pre>{@code
         * PublicKey trusted = ExportKeys.readPublicKey(Path.of("keys/signing-key.pub.pem"));
         * RuntimeOptions options = RuntimeOptions.builder().requireSignature(trusted).build();
         * }</pre>
         *
         * @throws IllegalArgumentException if {@code keys} is empty or one is not an Ed25519 public key
         * @throws NullPointerException     if a key is null
         */
        public Builder requireSignature(PublicKey... keys) {
            this.signatureKeys = ExportSignatures.validKeys(keys);
            return this;
        }

        /**
         * The deadline of each call (default {@link Duration#ZERO}: none); see {@link RuntimeOptions#callTimeout()}.
         *
         * @throws IllegalArgumentException if {@code timeout} is negative
         */
        public Builder callTimeout(Duration timeout) {
            this.callTimeout = nonNegative("callTimeout", timeout);
            return this;
        }

        /**
         * How long {@code close()} waits for calls in flight before ending them (default 10 s); see
         * {@link RuntimeOptions#closeTimeout()}.
         *
         * @throws IllegalArgumentException if {@code timeout} is negative
         */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = nonNegative("closeTimeout", timeout);
            return this;
        }

        /**
         * The most bytes of one graph file whose size the manifest does not state; see
         * {@link RuntimeOptions#maxGraphBytes()}.
         *
         * @throws IllegalArgumentException if {@code bytes} is not in {@code [1, }{@link #MAX_GRAPH_BYTES}{@code ]}
         */
        public Builder maxGraphBytes(long bytes) {
            if (bytes < 1 || bytes > MAX_GRAPH_BYTES) {
                throw new IllegalArgumentException("maxGraphBytes must be in [1, " + MAX_GRAPH_BYTES + "], was "
                        + bytes);
            }
            this.maxGraphBytes = bytes;
            return this;
        }

        /** Gives each session a CPU memory arena of its own (default off; see {@link RuntimeOptions#cpuArena()}). */
        public Builder cpuArena(boolean arena) {
            this.cpuArena = arena;
            return this;
        }

        /**
         * Lets each session plan its working memory as one block per run, or not, whatever the model (default:
         * decided per model; see {@link RuntimeOptions#memoryPatternFor(ModelConfig)}).
         */
        public Builder memoryPattern(boolean pattern) {
            this.memoryPattern = pattern;
            return this;
        }

        /**
         * Sends at most {@code images} images through the sessions at once (default: decided per model, see
         * {@link RuntimeOptions#passImagesFor(ModelConfig)}); a larger batch runs as consecutive passes.
         *
         * @throws IllegalArgumentException if {@code images < 1}
         */
        public Builder passImages(int images) {
            if (images < 1) {
                throw new IllegalArgumentException("passImages must be >= 1, was " + images);
            }
            this.passImages = images;
            return this;
        }

        /**
         * The most bytes of idle token tensors a model keeps between calls (default 64 MiB; 0 keeps none); see
         * {@link RuntimeOptions#tokenPoolBytes()}.
         *
         * @throws IllegalArgumentException if {@code bytes < 0}
         */
        public Builder tokenPoolBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("tokenPoolBytes must be >= 0, was " + bytes);
            }
            this.tokenPoolBytes = bytes;
            return this;
        }

        /** Runs the sessions on the process-wide pool (default) or each on its own pool; see {@link RuntimeOptions#sharedThreadPool()}. */
        public Builder sharedThreadPool(boolean shared) {
            this.sharedThreadPool = shared;
            return this;
        }

        /** Lets idle worker threads spin for work (default off; see {@link RuntimeOptions#spinning()}). */
        public Builder spinning(boolean allow) {
            this.spinning = allow;
            return this;
        }

        /**
         * Threads used inside one operator (0: ONNX Runtime's default, one per core).
         *
         * @throws IllegalArgumentException if {@code threads < 0}
         */
        public Builder intraOpThreads(int threads) {
            this.intraOpThreads = nonNegative("intraOpThreads", threads);
            return this;
        }

        /**
         * Threads used to run independent operators in parallel (0: ONNX Runtime's default).
         *
         * @throws IllegalArgumentException if {@code threads < 0}
         */
        public Builder interOpThreads(int threads) {
            this.interOpThreads = nonNegative("interOpThreads", threads);
            return this;
        }

        /** The graph optimisation level (default {@link OptLevel#ALL_OPT}). */
        public Builder optimization(OptLevel level) {
            this.optimization = Objects.requireNonNull(level, "level");
            return this;
        }

        /**
         * Runs the sessions on CUDA device {@code device}; needs the {@code onnxruntime_gpu} artifact.
         *
         * @throws IllegalArgumentException if {@code device < 0}
         */
        public Builder cuda(int device) {
            this.cudaDevice = nonNegative("cuda device", device);
            return this;
        }

        /** Runs the sessions on the CPU (the default). */
        public Builder cpu() {
            this.cudaDevice = -1;
            return this;
        }

        /** The options. */
        public RuntimeOptions build() {
            return new RuntimeOptions(this);
        }

        private static Duration nonNegative(String what, Duration value) {
            Objects.requireNonNull(value, what);
            if (value.isNegative()) {
                throw new IllegalArgumentException(what + " must be >= 0, was " + value);
            }
            return value;
        }

        private static int nonNegative(String what, int value) {
            if (value < 0) {
                throw new IllegalArgumentException(what + " must be >= 0, was " + value);
            }
            return value;
        }
    }
}
