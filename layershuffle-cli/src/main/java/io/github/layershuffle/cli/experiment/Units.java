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
import io.github.layershuffle.cli.eval.OrtEvaluation;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.train.checkpoint.FineTuning;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.eval.CheckpointMerge;
import io.github.layershuffle.train.eval.Evaluation;
import io.github.layershuffle.train.eval.EvaluationSeeds;
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

    DatasetSplits data() {
        return data;
    }

    Path baseCheckpoint() {
        return dir.base().resolve("best.safetensors");
    }

    Path checkpoint(Variant method, int seed) {
        return dir.training(method, seed).resolve("best.safetensors");
    }

    Path controlCheckpoint(int depth) {
        return dir.control(depth).resolve("best.safetensors");
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
                .cosine(true).weightDecay(s.baseWeightDecay()).seed(0)
                .loaderThreads(loaderThreads(Engine.getInstance().getGpuCount())).build();
        return training(start, dir.base(), options);
    }

    ObjectNode fineTune(Variant method, int seed) {
        Checkpoint base = Checkpoint.read(baseCheckpoint());
        Checkpoint start = FineTuning.adapt(base, base.config().withVariant(method), FineTuning.Head.KEEP, seed);
        return training(start, dir.training(method, seed), fineTuning(seed));
    }

    private TrainingOptions fineTuning(long seed) {
        return TrainingOptions.builder().epochs(s.fineTuneEpochs()).batchSize(s.batchSize())
                .learningRate(s.fineTuneLearningRate()).linearDecay(s.fineTuneLinearDecay()).seed(seed)
                .loaderThreads(loaderThreads(Engine.getInstance().getGpuCount())).build();
    }

    /**
     * Loader threads for training on {@code gpus} GPUs: 2 on a GPU, which would otherwise wait for every batch's
     * images to be decoded (the paper preset reads ImageNet-sized folders on demand), 0 on the CPU, where a loader
     * thread would take a core from the step. The batches and their order are the same either way.
     */
    static int loaderThreads(int gpus) {
        return gpus > 0 ? 2 : 0;
    }

    /**
     * Fig. 1b's control: the base's first {@code depth} blocks (stem and head kept) refined sequentially as a
     * baseline of that depth, as the paper's "refined a reduced number of 3, 6, and 9 layers".
     */
    ObjectNode trainControl(int depth) {
        CheckpointMerge.Source base = CheckpointMerge.Source.read(baseCheckpoint());
        List<CheckpointMerge.Slot> slots = new ArrayList<>();
        for (int b = 0; b < depth; b++) {
            slots.add(new CheckpointMerge.Slot(0, b));
        }
        Checkpoint start = CheckpointMerge.merge(List.of(base), slots);
        return training(start, dir.control(depth), fineTuning(1));
    }

    /** The control's accuracy in its own (sequential) order. */
    ObjectNode evaluateControl(int depth) {
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer model = ModelCheckpoints.load(controlCheckpoint(depth), manager);
            Evaluation e = evaluator.evaluate("control-d" + depth, model, ExecutionPolicy.sequential(), 0);
            ObjectNode r = node();
            ObjectNode m = r.putObject("metrics");
            m.put(Measurements.control(depth), e.top1());
            m.put(Measurements.top5(Measurements.control(depth)), e.topK());
            return r;
        }
    }

    private ObjectNode training(Checkpoint start, Path out, TrainingOptions options) {
        TrainingResult result = TrainingRun.builder().setStart(start).setTrainingData(data.train())
                .optValidationData(data.validation()).setOutputDirectory(out).optOptions(options)
                .optListener(listener.training()).optResume(true).build().run();
        ObjectNode r = node();
        r.put("checkpoint", result.best().toString());
        r.put("bestEpoch", result.bestEpoch());
        r.put("bestValidationLoss", result.bestLoss());
        r.put("learningRateSchedule", options.cosine() ? "warm-up, cosine" : options.linearDecay() ? "linear decay"
                : "constant");
        r.put("weightDecay", options.weightDecay());
        ArrayNode epochs = r.putArray("epochs");
        for (EpochMetrics m : result.history()) {
            ObjectNode e = epochs.addObject();
            e.put("epoch", m.epoch());
            e.put("seconds", m.seconds());
            e.put("trainLoss", m.trainLoss());
            e.put("validationAccuracy", m.validationAccuracy());
            if (Double.isFinite(m.validationLoss())) {
                e.put("validationLoss", m.validationLoss());
            }
            if (Double.isFinite(m.validationPositionAccuracy())) {
                e.put("validationPositionAccuracy", m.validationPositionAccuracy());
            }
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
                return new double[] {e.top1(), e.positionAccuracy().orElse(Double.NaN), e.topK()};
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
                return new double[] {e.top1(), e.positionAccuracy().orElse(Double.NaN), e.top5()};
            });
            r.put("export", export.toString());
            return r;
        }
    }

    /**
     * Sequential, arbitrary (mean over evaluation seeds) and pruned accuracies, top-1 and top-5; {@code measure}
     * returns {top-1, position accuracy or NaN, top-5} for a policy and a plan-stream seed. Evaluation seed
     * {@code e} draws its plans from {@link EvaluationSeeds#stream(long)}, never from the stream that trained
     * fine-tune {@code e}.
     */
    private ObjectNode policies(BiFunction<ExecutionPolicy, Long, double[]> measure) {
        int depth = s.model().depth();
        Map<String, Double> metrics = new LinkedHashMap<>();
        double[] seq = measure.apply(ExecutionPolicy.sequential(), EvaluationSeeds.stream(0));
        put(metrics, Measurements.SEQUENTIAL, seq);
        putIfFinite(metrics, Measurements.POSITION_SEQUENTIAL, seq[1]);
        double[] arbitrary = mean(ExecutionPolicy.random(), measure);
        put(metrics, Measurements.ARBITRARY, arbitrary);
        putIfFinite(metrics, Measurements.POSITION_ARBITRARY, arbitrary[1]);
        for (int k : s.keeps()) {
            if (k == depth) {
                put(metrics, Measurements.keep(k, false), seq);
                put(metrics, Measurements.keep(k, true), arbitrary);
            } else {
                put(metrics, Measurements.keep(k, false),
                        measure.apply(ExecutionPolicy.sequential().keep(k), EvaluationSeeds.stream(0)));
                put(metrics, Measurements.keep(k, true), mean(ExecutionPolicy.random().keep(k), measure));
            }
        }
        ObjectNode r = node();
        ObjectNode m = r.putObject("metrics");
        metrics.forEach(m::put);
        ObjectNode plans = r.putObject("plans");
        plans.put("evaluationSeed0Stream", EvaluationSeeds.stream(0));
        ArrayNode first = plans.putArray("arbitraryFirstPlan");
        ExecutionPolicy.random().seeded(EvaluationSeeds.stream(0)).planForPass(depth, 0).blocks().forEach(first::add);
        return r;
    }

    private static void put(Map<String, Double> metrics, String name, double[] value) {
        metrics.put(name, value[0]);
        metrics.put(Measurements.top5(name), value[2]);
    }

    private double[] mean(ExecutionPolicy policy, BiFunction<ExecutionPolicy, Long, double[]> measure) {
        double top1 = 0;
        double position = 0;
        double top5 = 0;
        for (long e = 0; e < s.evalSeeds(); e++) {
            double[] v = measure.apply(policy, EvaluationSeeds.stream(e));
            top1 += v[0] / s.evalSeeds();
            position += v[1] / s.evalSeeds();
            top5 += v[2] / s.evalSeeds();
        }
        return new double[] {top1, position, top5};
    }

    private static void putIfFinite(Map<String, Double> metrics, String name, double value) {
        if (Double.isFinite(value)) {
            metrics.put(name, value);
        }
    }

    /**
     * The paper's merge experiment: {@code merges} random merges of the method's models, every slot from a
     * different model while models last, stem and head from model 1 (seed 1), each evaluated in the method's
     * own order (slot order for the baseline and LayerDrop, a random order per batch for the shuffling methods,
     * as the paper's Table 2).
     */
    ObjectNode merge(Variant method) {
        List<CheckpointMerge.Source> sources = new ArrayList<>();
        for (int seed = 1; seed <= s.models(method); seed++) {
            sources.add(CheckpointMerge.Source.read(checkpoint(method, seed)));
        }
        Device device = Engine.getInstance().defaultDevice();
        boolean shuffled = method.shuffles();
        Summary merged = evaluator.randomMerges(sources, s.merges(),
                shuffled ? ExecutionPolicy.random() : ExecutionPolicy.sequential(), EvaluationSeeds.stream(1000), device);
        String metric = shuffled ? Measurements.MERGED_ARBITRARY : Measurements.MERGED_SEQUENTIAL;
        ObjectNode r = node();
        ObjectNode values = r.putObject("values");
        ArrayNode a = values.putArray(metric);
        merged.runs().forEach(e -> a.add(e.top1()));
        ArrayNode b = values.putArray(Measurements.top5(metric));
        merged.runs().forEach(e -> b.add(e.topK()));
        r.put("sources", sources.size());
        r.put("stemAndHead", sources.get(0).name());
        return r;
    }

    /** The logit ensemble of a method's fine-tuned models (all {@link ExperimentSettings#models} of them). */
    ObjectNode ensemble(Variant method) {
        try (NDManager manager = NDManager.newBaseManager()) {
            List<VisionTransformer> models = new ArrayList<>();
            for (int seed = 1; seed <= s.models(method); seed++) {
                models.add(ModelCheckpoints.load(checkpoint(method, seed), manager));
            }
            String name = method.id() + " ensemble";
            Evaluation seq = evaluator.ensemble(name, models, ExecutionPolicy.sequential(), EvaluationSeeds.stream(0));
            double arbitrary = 0;
            double arbitrary5 = 0;
            for (long e = 0; e < s.evalSeeds(); e++) {
                Evaluation a = evaluator.ensemble(name, models, ExecutionPolicy.random(), EvaluationSeeds.stream(e));
                arbitrary += a.top1() / s.evalSeeds();
                arbitrary5 += a.topK() / s.evalSeeds();
            }
            ObjectNode r = node();
            ObjectNode m = r.putObject("metrics");
            m.put(Measurements.ENSEMBLE_SEQUENTIAL, seq.top1());
            m.put(Measurements.top5(Measurements.ENSEMBLE_SEQUENTIAL), seq.topK());
            m.put(Measurements.ENSEMBLE_ARBITRARY, arbitrary);
            m.put(Measurements.top5(Measurements.ENSEMBLE_ARBITRARY), arbitrary5);
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
            BlockOutputs outputs = BlockOutputs.collect(model, data.test().sample(s.probeImages(), 7), 8,
                    EvaluationSeeds.stream(seed));
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
