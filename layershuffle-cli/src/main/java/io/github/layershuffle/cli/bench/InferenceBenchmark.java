package io.github.layershuffle.cli.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.model.VisionTransformer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Inference cost of running a model as separate per-block graphs composed at run time, against the same
 * model exported as one graph, and ONNX Runtime against DJL. All timings of one batch size are interleaved
 * round by round in one process, in alternating order, so the ratios compare like with like; the overhead is
 * taken round by round (composed over one graph in the same round) and reported as median and quartiles.
 *
 * <p>Both ONNX Runtime paths of one row run with the same threads: with more than one intra-op thread, on the
 * process-wide thread pool that {@link LayerShuffleModel} sets up (so the difference between them is the cost
 * of composition itself, 13 more session runs and the hand-offs, not of thread-pool settings); with one, each
 * session on the calling thread.
 */
public final class InferenceBenchmark {
    /** The directory under the work directory that {@code run} exports the model to (with {@code model.onnx}). */
    public static final String EXPORT_DIR = "bench-export";
    private static final long WARMUP_NANOS = 1_000_000_000L;

    /**
     * One thread count's and batch size's measurements, in seconds per batch (medians over rounds).
     *
     * @param threads        ONNX Runtime intra-op threads of both ONNX Runtime paths
     * @param batch          images per call
     * @param composed       {@code LayerShuffleModel.predict} over stem, 12 block sessions and head, sequential
     *                       plan
     * @param fullGraph      one ORT session over {@code model.onnx} with the same threads, with the input tensor
     *                       made from the same pixels and the logits read back
     * @param overhead       median over rounds of composed time over single-graph time, minus one
     * @param overheadLow    its first quartile
     * @param overheadHigh   its third quartile
     * @param djl            DJL {@code VisionTransformer.predict}, sequential plan, logits read back (libtorch's
     *                       own thread settings)
     * @param ortOverDjl     median over rounds of DJL time over composed time: ORT's throughput over DJL's
     * @param passImages     the images per pass of the composed model ({@link RuntimeOptions#passImagesFor})
     * @param composedInPassRounds the composed model's median in those rounds of its own (NaN likewise)
     * @param fullInPasses   the one graph run in passes of {@code passImages} images as the composed model runs
     *                       them, in rounds of its own against the composed model; NaN where the batch is one pass
     * @param passOverhead   median over those rounds of composed time over that time, minus one (NaN likewise):
     *                       the cost of composition alone, with the pass size the same on both sides
     */
    public record Row(int threads, int batch, double composed, double fullGraph, double overhead, double overheadLow,
                      double overheadHigh, double djl, double ortOverDjl, int passImages,
                      double composedInPassRounds, double fullInPasses, double passOverhead) {
    }

    private InferenceBenchmark() {
    }

    /**
     * Exports a fresh model of {@code config} (with {@code model.onnx}) to {@code workDir} and measures it
     * at each thread count and batch size, all graph optimisations on.
     */
    public static List<Row> run(ModelConfig config, Path workDir, int[] batches, int rounds, int[] threads) {
        return run(config, workDir, batches, rounds, threads, OrtSession.SessionOptions.OptLevel.ALL_OPT,
                RuntimeOptions.defaults().cpuArena(), RuntimeOptions.defaults().tokenPoolBytes());
    }

    /**
     * As {@link #run(ModelConfig, Path, int[], int, int[])}, both ONNX Runtime paths at graph optimisation
     * {@code level}, the composed model with these {@link RuntimeOptions#cpuArena()} and
     * {@link RuntimeOptions#tokenPoolBytes()} (the single graph keeps ONNX Runtime's defaults).
     *
     * @throws IllegalArgumentException if a thread count is below 1, or more than one is above 1: ONNX Runtime
     *                                  fixes the size of the process-wide pool when it creates it
     */
    public static List<Row> run(ModelConfig config, Path workDir, int[] batches, int rounds, int[] threads,
                                OrtSession.SessionOptions.OptLevel level, boolean cpuArena, long tokenPoolBytes) {
        long pooled = Arrays.stream(threads).filter(t -> t > 1).distinct().count();
        if (Arrays.stream(threads).anyMatch(t -> t < 1) || pooled > 1) {
            throw new IllegalArgumentException("thread counts must be >= 1 with at most one above 1 (ONNX Runtime "
                    + "sizes its process-wide pool once), were " + Arrays.toString(threads));
        }
        Checkpoint checkpoint = ModelCheckpoints.fresh(config, 1);
        Path export = OnnxExporter.builder().optFullModel(true).optOverwrite(true).build()
                .export(checkpoint, workDir.resolve(EXPORT_DIR));
        return measure(checkpoint, export, batches, rounds, 0, threads, level, cpuArena, tokenPoolBytes, 0);
    }

    /**
     * Measures an existing export of {@code checkpoint} (made with {@code model.onnx}, as
     * {@code OnnxExporter.builder().optFullModel(true)}) as {@link #run(ModelConfig, Path, int[], int, int[],
     * OrtSession.SessionOptions.OptLevel, boolean, long)} does, with {@code callsPerRound} calls of each path per
     * round (0: the default, {@code max(4, 64 / batch)}; 1 for a large model, whose single call is long enough to
     * time), the composed model sending at most {@code passImages} images through its sessions at once (0: its
     * default, {@link RuntimeOptions#passImagesFor}).
     *
     * @throws IllegalArgumentException as that method, or if {@code callsPerRound < 0} or {@code passImages < 0}
     */
    public static List<Row> measure(Checkpoint checkpoint, Path export, int[] batches, int rounds, int callsPerRound,
                                    int[] threads, OrtSession.SessionOptions.OptLevel level, boolean cpuArena,
                                    long tokenPoolBytes, int passImages) {
        long pooled = Arrays.stream(threads).filter(t -> t > 1).distinct().count();
        if (Arrays.stream(threads).anyMatch(t -> t < 1) || pooled > 1 || callsPerRound < 0 || passImages < 0) {
            throw new IllegalArgumentException("thread counts must be >= 1 with at most one above 1 (ONNX Runtime "
                    + "sizes its process-wide pool once), were " + Arrays.toString(threads) + "; calls per round >= 0,"
                    + " was " + callsPerRound + "; pass images >= 0, was " + passImages);
        }
        ModelConfig config = checkpoint.config();
        ExecutionPlan plan = ExecutionPlan.sequential(config.depth());
        // the multi-threaded setting first: the first model loaded creates the process-wide pool with its size
        int[] order = Arrays.stream(threads).boxed().sorted(Comparator.reverseOrder()).mapToInt(Integer::intValue)
                .toArray();
        List<Row> rows = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = ModelCheckpoints.newModel(checkpoint, manager);
            for (int t : order) {
                RuntimeOptions.Builder builder = RuntimeOptions.builder().intraOpThreads(t).optimization(level)
                        .sharedThreadPool(t > 1).cpuArena(cpuArena).tokenPoolBytes(tokenPoolBytes);
                RuntimeOptions options = (passImages > 0 ? builder.passImages(passImages) : builder).build();
                try (LayerShuffleModel composed = LayerShuffleModel.load(export, options);
                     OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
                    if (t > 1) {
                        so.disablePerSessionThreads();
                    } else {
                        so.setIntraOpNumThreads(1);
                    }
                    so.setOptimizationLevel(level);
                    OrtEnvironment env = OrtEnvironment.getEnvironment();   // after load: the runtime sets it up
                    try (OrtSession full = env.createSession(export.resolve("model.onnx").toString(), so)) {
                        for (int batch : batches) {
                            rows.add(measure(config, composed, full, env, vit, manager, plan, t, batch, rounds,
                                    callsPerRound));
                        }
                    }
                } catch (OrtException e) {
                    throw new LayerShuffleException("inference benchmark failed: " + e.getMessage(), e);
                }
            }
        }
        return rows;
    }

    private static Row measure(ModelConfig config, LayerShuffleModel composed, OrtSession full, OrtEnvironment env,
                               VisionTransformer vit, NDManager manager, ExecutionPlan plan, int threads, int batch,
                               int rounds, int callsPerRound) {
        float[][][][] pixels = pixels(config, batch);
        float[] flat = flatten(pixels);
        long[] shape = {batch, config.channels(), config.imageSize(), config.imageSize()};
        try (NDArray djlPixels = manager.create(flat, new Shape(shape))) {
            Runnable viaComposer = () -> composed.predict(pixels, plan);
            Runnable viaFullGraph = () -> runFull(env, full, flat, shape);
            Runnable viaDjl = () -> {
                try (NDArray logits = vit.predict(djlPixels, plan).logits()) {
                    logits.toFloatArray();
                }
            };
            int calls = callsPerRound > 0 ? callsPerRound : Math.max(4, 64 / batch);
            Timing.Paired ab = Timing.interleaved(viaComposer, viaFullGraph, WARMUP_NANOS, rounds, calls);
            Timing.Paired ad = Timing.interleaved(viaComposer, viaDjl, WARMUP_NANOS, rounds, calls);
            Timing.Paired da = new Timing.Paired(ad.b(), ad.a());
            int pass = composed.passImages();
            double composedInPassRounds = Double.NaN;
            double fullInPasses = Double.NaN;
            double passOverhead = Double.NaN;
            if (pass < batch) {
                int perImage = flat.length / batch;
                List<float[]> parts = new ArrayList<>();
                for (int from = 0; from < batch; from += pass) {
                    parts.add(Arrays.copyOfRange(flat, from * perImage, Math.min(batch, from + pass) * perImage));
                }
                Runnable viaFullInPasses = () -> {
                    for (float[] part : parts) {
                        runFull(env, full, part, new long[] {part.length / perImage, shape[1], shape[2], shape[3]});
                    }
                };
                Timing.Paired ap = Timing.interleaved(viaComposer, viaFullInPasses, WARMUP_NANOS, rounds, calls);
                composedInPassRounds = ap.medianA();
                fullInPasses = ap.medianB();
                passOverhead = ap.excessOfA(0.5);
            }
            return new Row(threads, batch, ab.medianA(), ab.medianB(), ab.excessOfA(0.5), ab.excessOfA(0.25),
                    ab.excessOfA(0.75), ad.medianB(), 1 + da.excessOfA(0.5), pass, composedInPassRounds, fullInPasses,
                    passOverhead);
        }
    }

    private static void runFull(OrtEnvironment env, OrtSession session, float[] flat, long[] shape) {
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), shape);
             OrtSession.Result result = session.run(Map.of("pixels", input))) {
            float[][] logits = (float[][]) result.get(0).getValue();
            if (logits.length != shape[0]) {
                throw new IllegalStateException("model.onnx returned " + logits.length + " rows");
            }
        } catch (OrtException e) {
            throw new LayerShuffleException("model.onnx failed: " + e.getMessage(), e);
        }
    }

    private static float[][][][] pixels(ModelConfig c, int batch) {
        SplittableRandom r = new SplittableRandom(7);
        float[][][][] x = new float[batch][c.channels()][c.imageSize()][c.imageSize()];
        for (float[][][] image : x) {
            for (float[][] channel : image) {
                for (float[] row : channel) {
                    for (int i = 0; i < row.length; i++) {
                        row[i] = (float) r.nextDouble();
                    }
                }
            }
        }
        return x;
    }

    private static float[] flatten(float[][][][] x) {
        int w = x[0][0][0].length;
        float[] flat = new float[x.length * x[0].length * x[0][0].length * w];
        int i = 0;
        for (float[][][] image : x) {
            for (float[][] channel : image) {
                for (float[] row : channel) {
                    System.arraycopy(row, 0, flat, i, w);
                    i += w;
                }
            }
        }
        return flat;
    }
}
