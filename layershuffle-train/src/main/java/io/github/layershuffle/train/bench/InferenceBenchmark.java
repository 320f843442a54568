package io.github.layershuffle.train.bench;

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
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Inference cost of running a model as separate per-block graphs composed at run time, against the same
 * model exported as one graph, and ONNX Runtime against DJL. All timings of one batch size are interleaved
 * round by round in one process, so the ratios compare like with like. Both ONNX Runtime paths run on the
 * process-wide thread pool that {@link LayerShuffleModel} sets up, so the difference between them is the cost
 * of composition itself (13 more session runs and the hand-offs), not of thread-pool settings.
 */
public final class InferenceBenchmark {

    /**
     * One batch size's measurements, in seconds per batch.
     *
     * @param batch     images per call
     * @param composed  {@code LayerShuffleModel.predict} over stem, 12 block sessions and head, sequential plan
     * @param fullGraph one ORT session over {@code model.onnx} on the same shared thread pool, with the input
     *                  tensor made from the same pixels and the logits read back
     * @param djl       DJL {@code VisionTransformer.predict}, sequential plan, logits read back
     */
    public record Row(int batch, double composed, double fullGraph, double djl) {
        /** Composition overhead: composed time over single-graph time, minus one. */
        public double compositionOverhead() {
            return composed / fullGraph - 1;
        }

        /** ORT (composed) throughput over DJL throughput. */
        public double ortOverDjl() {
            return djl / composed;
        }
    }

    private InferenceBenchmark() {
    }

    /**
     * Exports a fresh model of {@code config} (with {@code model.onnx}) to {@code workDir} and measures it
     * at each batch size.
     */
    public static List<Row> run(ModelConfig config, Path workDir, int[] batches, int rounds, int threads) {
        return run(config, workDir, batches, rounds, threads, OrtSession.SessionOptions.OptLevel.ALL_OPT);
    }

    /** As {@link #run(ModelConfig, Path, int[], int, int)}, both ONNX Runtime paths at graph optimisation {@code level}. */
    public static List<Row> run(ModelConfig config, Path workDir, int[] batches, int rounds, int threads,
                                OrtSession.SessionOptions.OptLevel level) {
        Checkpoint checkpoint = ModelCheckpoints.fresh(config, 1);
        Path export = OnnxExporter.builder().optFullModel(true).optOverwrite(true).build()
                .export(checkpoint, workDir.resolve("bench-export"));
        RuntimeOptions options = RuntimeOptions.builder().intraOpThreads(threads).optimization(level).build();
        ExecutionPlan plan = ExecutionPlan.sequential(config.depth());
        List<Row> rows = new ArrayList<>();
        try (LayerShuffleModel composed = LayerShuffleModel.load(export, options);
             OrtSession.SessionOptions so = new OrtSession.SessionOptions();
             NDManager manager = NDManager.newBaseManager()) {
            so.disablePerSessionThreads();
            so.setOptimizationLevel(level);
            VisionTransformer vit = ModelCheckpoints.newModel(checkpoint, manager);
            OrtEnvironment env = OrtEnvironment.getEnvironment();   // after load: the runtime sets it up
            try (OrtSession full = env.createSession(export.resolve("model.onnx").toString(), so)) {
                for (int batch : batches) {
                    float[][][][] pixels = pixels(config, batch);
                    float[] flat = flatten(pixels);
                    long[] shape = {batch, config.channels(), config.imageSize(), config.imageSize()};
                    NDArray djlPixels = manager.create(flat, new Shape(shape));
                    Runnable viaComposer = () -> composed.predict(pixels, plan);
                    Runnable viaFullGraph = () -> runFull(env, full, flat, shape);
                    Runnable viaDjl = () -> {
                        try (NDArray logits = vit.predict(djlPixels, plan).logits()) {
                            logits.toFloatArray();
                        }
                    };
                    int calls = Math.max(4, 64 / batch);
                    double[] ab = Timing.interleaved(viaComposer, viaFullGraph, 3, rounds, calls);
                    double[] ad = Timing.interleaved(viaComposer, viaDjl, 3, rounds, calls);
                    rows.add(new Row(batch, (ab[0] + ad[0]) / 2, ab[1], ad[1]));
                }
            }
        } catch (OrtException e) {
            throw new LayerShuffleException("inference benchmark failed: " + e.getMessage(), e);
        }
        return rows;
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
