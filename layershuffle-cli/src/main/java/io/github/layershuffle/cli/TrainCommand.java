package io.github.layershuffle.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.checkpoint.FineTuning;
import io.github.layershuffle.train.checkpoint.HuggingFaceVit;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.eval.Evaluator;
import io.github.layershuffle.train.eval.Summary;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.training.EpochMetrics;
import io.github.layershuffle.train.training.TrainingOptions;
import io.github.layershuffle.train.training.TrainingResult;
import io.github.layershuffle.train.training.TrainingRun;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code layershuffle train}: trains or fine-tunes a ViT with one of the paper's methods. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a Vision Transformer from scratch or fine-tune a checkpoint, with one of the "
                + "paper's methods (baseline, LayerDrop, LayerShuffle and its -position and -predict variants). "
                + "Keeps the epoch with the lowest validation loss as OUT/best.safetensors; --resume continues "
                + "an interrupted run. At the end the best model is tested in order and in random order."},
        footerHeading = "%nExamples:%n",
        footer = {"  layershuffle train --variant baseline --epochs 10 --out runs/base",
            "  layershuffle train --init runs/base/best.safetensors --variant layershuffle \\",
            "      --out runs/ls",
            "  layershuffle train --preset tiny --limit-train 2000 --epochs 3 --out /tmp/quick"})
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "DIR",
            description = "Run directory: checkpoints, metrics.jsonl, resume state.")
    Path out;

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX directory or image-folder "
            + "tree (default: ${DEFAULT-VALUE}).")
    Path data = FashionMnist.DEFAULT_DIRECTORY;

    @Option(names = "--limit-train", paramLabel = "N", description = "Train on N images only (a seeded sample).")
    Integer limitTrain;

    @Option(names = "--limit-eval", paramLabel = "N", description = "Validate and test on N images each only.")
    Integer limitEval;

    @Mixin
    ModelOptions model = new ModelOptions();

    @Option(names = "--init", paramLabel = "CHECKPOINT", description = "Fine-tune this checkpoint (its family "
            + "is kept, so the result can be merged with its siblings).")
    Path init;

    @Option(names = "--init-hf", paramLabel = "FILE", description = "Fine-tune a Hugging Face ViT "
            + "model.safetensors (e.g. google/vit-base-patch16-224; config.json beside it is read).")
    Path initHf;

    @Option(names = "--epochs", defaultValue = "10", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "128", description = "Images per step (default: "
            + "${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", paramLabel = "RATE", description = "Peak learning rate of Adam (default: 1e-4 when "
            + "fine-tuning, as the paper; 1e-3 from scratch).")
    Double lr;

    @Option(names = "--warmup-steps", defaultValue = "0", description = "Linear warm-up steps (default: "
            + "${DEFAULT-VALUE}).")
    long warmupSteps;

    @Option(names = "--cosine", description = "Cosine learning-rate decay to 0 after the warm-up.")
    boolean cosine;

    @Option(names = "--linear-decay", description = "Linear learning-rate decay to 0 after the warm-up (the "
            + "default of the Hugging Face trainer the authors fine-tuned with); not with --cosine.")
    boolean linearDecay;

    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay (default: "
            + "${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of initialisation, data order, plans "
            + "and dropout (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--devices", paramLabel = "LIST", split = ",", description = "Devices, e.g. cpu or "
            + "gpu0,gpu1 (default: every GPU, else the CPU).")
    List<String> devices = new ArrayList<>();

    @Option(names = "--loader-threads", defaultValue = "0", paramLabel = "N", description = "Threads preparing the "
            + "next batches while a step runs (default ${DEFAULT-VALUE}: between steps, on the training thread); "
            + "give 1 or more on a GPU, which otherwise waits for every batch's images to be decoded.")
    int loaderThreads;

    @Option(names = "--predictor-lr-scale", defaultValue = "1", paramLabel = "FACTOR", description = "Factor on the "
            + "learning rate of the -predict slot predictors only (default ${DEFAULT-VALUE}: one rate for all "
            + "parameters, as the authors' trainer).")
    double predictorLrScale;

    @Option(names = "--resume", description = "Continue the run in OUT if there is one.")
    boolean resume;

    @Option(names = "--test-seeds", defaultValue = "3", description = "Seeds of the final random-order test "
            + "(0: no test) (default: ${DEFAULT-VALUE}).")
    int testSeeds;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
    boolean quiet;

    @Override
    public Integer call() {
        if (init != null && initHf != null) {
            throw new IllegalArgumentException("give one of --init and --init-hf");
        }
        Checkpoint base = init != null ? Checkpoint.read(init) : initHf != null ? HuggingFaceVit.read(initHf) : null;
        ModelConfig shape = base != null ? base.config() : model.shapeOnly();
        DatasetSplits splits = DataSource.load(data, shape.imageSize(), shape.channels(), 0);
        if (limitTrain != null || limitEval != null) {
            splits = splits.limit(limitTrain == null ? Integer.MAX_VALUE : limitTrain,
                    limitEval == null ? Integer.MAX_VALUE : limitEval, seed);
        }
        ModelConfig config = model.resolve(base == null ? null : base.config(), splits.classNames());
        Checkpoint start = base == null ? ModelCheckpoints.fresh(config, seed)
                : FineTuning.adapt(base, config, FineTuning.Head.REINITIALIZE_IF_CLASSES_DIFFER, seed);
        TrainingOptions options = TrainingOptions.builder().epochs(epochs).batchSize(batchSize)
                .learningRate(lr != null ? lr : base != null ? 1e-4 : 1e-3).warmupSteps(warmupSteps)
                .cosine(cosine).linearDecay(linearDecay).weightDecay(weightDecay).seed(seed).devices(devices()).loaderThreads(loaderThreads)
                .predictorLearningRateScale(predictorLrScale).build();
        PrintWriter err = spec.commandLine().getErr();
        TrainingResult result;
        try (ProgressBars bars = new ProgressBars(!quiet)) {
            result = TrainingRun.builder().setStart(start).setTrainingData(splits.train())
                    .optValidationData(splits.validation()).setOutputDirectory(out).optOptions(options)
                    .optListener(new TrainingBars(bars, err)).optResume(resume).build().run();
        }
        List<Summary> tests = testSeeds > 0 ? test(result, splits, options) : List.of();
        print(result, tests);
        return 0;
    }

    private List<Device> devices() {
        List<Device> list = new ArrayList<>();
        for (String d : devices) {
            try {
                list.add(Device.fromName(d.strip()));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("unknown device '" + d + "', expected cpu, gpu or gpuN", e);
            }
        }
        return list;
    }

    private List<Summary> test(TrainingResult result, DatasetSplits splits, TrainingOptions options) {
        List<Summary> tests = new ArrayList<>();
        try (ProgressBars bars = new ProgressBars(!quiet);
             NDManager manager = NDManager.newBaseManager(options.resolveDevices()[0])) {
            VisionTransformer best = ModelCheckpoints.load(result.best(), manager);
            Evaluator evaluator = Evaluator.builder(splits.test()).optListener(bars.evaluationListener()).build();
            String name = result.best().getFileName().toString();
            tests.add(evaluator.evaluate(name, best, ExecutionPolicy.sequential(), List.of(seed)));
            tests.add(evaluator.evaluate(name, best, ExecutionPolicy.random(),
                    LongStream.range(seed, seed + testSeeds).boxed().toList()));
        }
        return tests;
    }

    private void print(TrainingResult result, List<Summary> tests) {
        PrintWriter stdout = spec.commandLine().getOut();
        boolean positions = result.history().stream().anyMatch(m -> !Double.isNaN(m.validationPositionAccuracy()));
        Table epochsTable = positions
                ? new Table("training " + out, "epoch", "train loss", "train acc", "val loss", "val acc",
                        "val slot acc", "seconds", "best")
                : new Table("training " + out, "epoch", "train loss", "train acc", "val loss", "val acc", "seconds",
                        "best");
        for (EpochMetrics m : result.history()) {
            List<Object> row = new ArrayList<>(List.of(m.epoch(), f4(m.trainLoss()), pct(m.trainAccuracy()),
                    f4(m.validationLoss()), pct(m.validationAccuracy())));
            if (positions) {
                row.add(pct(m.validationPositionAccuracy()));
            }
            row.add(String.format(Locale.ROOT, "%.0f", m.seconds()));
            row.add(m.epoch() == result.bestEpoch() ? "*" : "");
            epochsTable.row(row.toArray());
        }
        epochsTable.print(stdout);
        if (!tests.isEmpty()) {
            Table t = new Table("test (" + tests.get(0).first().data() + ", " + tests.get(0).first().images()
                    + " images)", "checkpoint", "policy", "runs", "top-1", "top-" + tests.get(0).k(), "loss");
            for (Summary s : tests) {
                t.row(s.first().model(), s.first().policy(), s.runs().size(), s.top1().percent(), s.topK().percent(),
                        s.loss().plain());
            }
            t.print(stdout);
        }
        stdout.printf(Locale.ROOT, "%nbest: %s (epoch %d, validation loss %.4f), family %s%n", result.best(),
                result.bestEpoch(), result.bestLoss(), result.family());
        stdout.flush();
    }

    private static String f4(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.4f", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }
}
