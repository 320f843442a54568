package io.github.layershuffle.cli.experiment;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.train.checkpoint.FineTuning;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.eval.CheckpointMerge;
import io.github.layershuffle.train.eval.Evaluation;
import io.github.layershuffle.train.eval.Evaluator;
import io.github.layershuffle.train.eval.Summary;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.training.EpochMetrics;
import io.github.layershuffle.train.training.TrainingOptions;
import io.github.layershuffle.train.training.TrainingResult;
import io.github.layershuffle.train.training.TrainingRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * The work of each kind of unit; each returns the JSON its result file holds. Results hold plain values
 * ({@code metrics: {name: value}} or {@code values: {name: [values]}}) that {@link ResultFiles} aggregates.
 */
final class Units {
    private final ExperimentSettings s;
    private final RunDirectory dir;
    private final DatasetSplits data;
    private final Checkpoint initial;
    private final ExperimentListener listener;
    private final Evaluator evaluator;

    Units(ExperimentSettings settings, RunDirectory dir, DatasetSplits data, Checkpoint initial,
          ExperimentListener listener) {
        this.s = settings;
        this.dir = dir;
        this.data = data;
        this.initial = initial;
        this.listener = listener;
        this.evaluator = Evaluator.builder(data.test()).optBatchSize(settings.evalBatchSize())
                .optListener(listener.evaluation()).build();
    }

    Path baseCheckpoint() {
        return dir.base().resolve("best.safetensors");
    }

    Path checkpoint(Variant method, int seed) {
        return dir.training(method, seed).resolve("best.safetensors");
    }

    ObjectNode trainBase() {
        Checkpoint start = initial != null ? initial : ModelCheckpoints.fresh(s.model(), 0);
        if (s.baseEpochs() == 0) {
            start.write(baseCheckpoint());
            ObjectNode r = node();
            r.put("checkpoint", baseCheckpoint().toString());
            r.put("imported", true);
            return r;
        }
        long steps = (long) Math.ceil(data.train().count() / (double) s.batchSize()) * s.baseEpochs();
        TrainingOptions options = TrainingOptions.builder().epochs(s.baseEpochs()).batchSize(s.batchSize())
                .learningRate(s.baseLearningRate()).warmupSteps(Math.min(200, Math.max(1, steps / 10)))
                .cosine(true).seed(0).build();
        return training(start, dir.base(), options);
    }

    ObjectNode fineTune(Variant method, int seed) {
        Checkpoint base = Checkpoint.read(baseCheckpoint());
        Checkpoint start = FineTuning.adapt(base, base.config().withVariant(method), FineTuning.Head.KEEP, seed);
        TrainingOptions options = TrainingOptions.builder().epochs(s.fineTuneEpochs()).batchSize(s.batchSize())
                .learningRate(s.fineTuneLearningRate()).seed(seed).build();
        return training(start, dir.training(method, seed), options);
    }

    private ObjectNode training(Checkpoint start, Path out, TrainingOptions options) {
        TrainingResult result = TrainingRun.builder().setStart(start).setTrainingData(data.train())
                .optValidationData(data.validation()).setOutputDirectory(out).optOptions(options)
                .optListener(listener.training()).optResume(true).build().run();
        ObjectNode r = node();
        r.put("checkpoint", result.best().toString());
        r.put("bestEpoch", result.bestEpoch());
        r.put("bestValidationLoss", result.bestLoss());
        ArrayNode epochs = r.putArray("epochs");
        for (EpochMetrics m : result.history()) {
            ObjectNode e = epochs.addObject();
            e.put("epoch", m.epoch());
            e.put("seconds", m.seconds());
            e.put("trainLoss", m.trainLoss());
            e.put("validationAccuracy", m.validationAccuracy());
        }
        return r;
    }

    /** Table 1, the pruning curves and the position accuracy of one fine-tuned model, with DJL. */
    ObjectNode evaluate(Variant method, int seed) {
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer model = ModelCheckpoints.load(checkpoint(method, seed), manager);
            String name = RunDirectory.name(method, seed);
            return policies((policy, evalSeed) -> {
                Evaluation e = evaluator.evaluate(name, model, policy, evalSeed);
                return new double[] {e.top1(), e.positionAccuracy().orElse(Double.NaN)};
            });
        }
    }

    /** The same measurements through the exported ONNX model and the composed ORT runtime. */
    ObjectNode ort(Variant method, int seed) {
        Path export = OnnxExporter.builder().optOverwrite(true).build().export(checkpoint(method, seed),
                dir.export(method, seed));
        try (LayerShuffleModel model = LayerShuffleModel.load(export)) {
            ObjectNode r = policies((policy, evalSeed) -> {
                OrtEvaluation e = OrtEvaluation.evaluate(model, data.test(), policy, evalSeed, s.evalBatchSize(),
                        listener.evaluation());
                return new double[] {e.top1(), e.positionAccuracy().orElse(Double.NaN)};
            });
            r.put("export", export.toString());
            return r;
        }
    }

    /**
     * Sequential, arbitrary (mean over evaluation seeds) and pruned accuracies; {@code measure} returns
     * {top-1, position accuracy or NaN} for a policy and an evaluation seed.
     */
    private ObjectNode policies(BiFunction<ExecutionPolicy, Long, double[]> measure) {
        int depth = s.model().depth();
        Map<String, Double> metrics = new LinkedHashMap<>();
        double[] seq = measure.apply(ExecutionPolicy.sequential(), 0L);
        metrics.put(Measurements.SEQUENTIAL, seq[0]);
        putIfFinite(metrics, Measurements.POSITION_SEQUENTIAL, seq[1]);
        double[] arbitrary = mean(ExecutionPolicy.random(), measure);
        metrics.put(Measurements.ARBITRARY, arbitrary[0]);
        putIfFinite(metrics, Measurements.POSITION_ARBITRARY, arbitrary[1]);
        for (int k : s.keeps()) {
            if (k == depth) {
                metrics.put(Measurements.keep(k, false), seq[0]);
                metrics.put(Measurements.keep(k, true), arbitrary[0]);
            } else {
                metrics.put(Measurements.keep(k, false), measure.apply(ExecutionPolicy.sequential().keep(k), 0L)[0]);
                metrics.put(Measurements.keep(k, true), mean(ExecutionPolicy.random().keep(k), measure)[0]);
            }
        }
        ObjectNode r = node();
        ObjectNode m = r.putObject("metrics");
        metrics.forEach(m::put);
        return r;
    }

    private double[] mean(ExecutionPolicy policy, BiFunction<ExecutionPolicy, Long, double[]> measure) {
        double top1 = 0;
        double position = 0;
        for (long e = 0; e < s.evalSeeds(); e++) {
            double[] v = measure.apply(policy, e);
            top1 += v[0] / s.evalSeeds();
            position += v[1] / s.evalSeeds();
        }
        return new double[] {top1, position};
    }

    private static void putIfFinite(Map<String, Double> metrics, String name, double value) {
        if (Double.isFinite(value)) {
            metrics.put(name, value);
        }
    }

    /** Random merges of a method's fine-tuned models, in slot order and in random order. */
    ObjectNode merge(Variant method) {
        List<CheckpointMerge.Source> sources = new ArrayList<>();
        for (int seed = 1; seed <= s.seeds(); seed++) {
            sources.add(CheckpointMerge.Source.read(checkpoint(method, seed)));
        }
        Device device = Engine.getInstance().defaultDevice();
        Summary seq = evaluator.randomMerges(sources, s.merges(), ExecutionPolicy.sequential(), 1000, device);
        Summary arbitrary = evaluator.randomMerges(sources, s.merges(), ExecutionPolicy.random(), 1000, device);
        ObjectNode r = node();
        ObjectNode values = r.putObject("values");
        ArrayNode a = values.putArray(Measurements.MERGED_SEQUENTIAL);
        seq.runs().forEach(e -> a.add(e.top1()));
        ArrayNode b = values.putArray(Measurements.MERGED_ARBITRARY);
        arbitrary.runs().forEach(e -> b.add(e.top1()));
        r.put("sources", sources.size());
        return r;
    }

    /** The logit ensemble of a method's fine-tuned models. */
    ObjectNode ensemble(Variant method) {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<VisionTransformer> models = new ArrayList<>();
            for (int seed = 1; seed <= s.seeds(); seed++) {
                models.add(ModelCheckpoints.load(checkpoint(method, seed), manager));
            }
            String name = method.id() + " ensemble";
            double seq = evaluator.ensemble(name, models, ExecutionPolicy.sequential(), 0).top1();
            double arbitrary = 0;
            for (long e = 0; e < s.evalSeeds(); e++) {
                arbitrary += evaluator.ensemble(name, models, ExecutionPolicy.random(), e).top1() / s.evalSeeds();
            }
            ObjectNode r = node();
            ObjectNode m = r.putObject("metrics");
            m.put(Measurements.ENSEMBLE_SEQUENTIAL, seq);
            m.put(Measurements.ENSEMBLE_ARBITRARY, arbitrary);
            r.put("members", models.size());
            return r;
        }
    }

    /**
     * The linear probe of the slot from each block's output under random orders (half the images to fit,
     * half to test), and for the first seed a 2-D projection of the middle block's outputs.
     */
    ObjectNode probe(Variant method, int seed) {
        int depth = s.model().depth();
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer model = ModelCheckpoints.load(checkpoint(method, seed), manager);
            BlockOutputs outputs = BlockOutputs.collect(model, data.test().sample(s.probeImages(), 7), 8, seed);
            ObjectNode r = node();
            ArrayNode perBlock = r.putArray("perBlock");
            double accuracy = 0;
            double chance = 0;
            for (int b = 0; b < depth; b++) {
                LinearProbe.Result p = LinearProbe.holdOut(outputs.features(b), outputs.slots(b), depth, b);
                perBlock.add(p.accuracy());
                accuracy += p.accuracy() / depth;
                chance += p.chance() / depth;
            }
            ObjectNode m = r.putObject("metrics");
            m.put(Measurements.PROBE, accuracy);
            m.put(Measurements.PROBE_CHANCE, chance);
            if (seed == 1) {
                int block = depth / 2;
                double[][] xy = Pca.project2d(outputs.features(block));
                ObjectNode plot = r.putObject("plot");
                plot.put("block", block);
                ArrayNode x = plot.putArray("x");
                ArrayNode y = plot.putArray("y");
                ArrayNode slot = plot.putArray("slot");
                for (int i = 0; i < xy.length; i++) {
                    x.add(xy[i][0]);
                    y.add(xy[i][1]);
                    slot.add(outputs.slots(block)[i]);
                }
            }
            return r;
        }
    }

    private static ObjectNode node() {
        return JsonNodeFactory.instance.objectNode();
    }
}
