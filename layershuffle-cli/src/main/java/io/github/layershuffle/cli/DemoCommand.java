package io.github.layershuffle.cli;

import ai.djl.ndarray.NDManager;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.Classification;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.Prediction;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.eval.Evaluation;
import io.github.layershuffle.train.eval.Evaluator;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.training.TrainingOptions;
import io.github.layershuffle.train.training.TrainingResult;
import io.github.layershuffle.train.training.TrainingRun;
import java.io.PrintWriter;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code layershuffle demo}: the whole story in a few minutes: train a small LayerShuffle ViT on Fashion-MNIST,
 * export it block by block to ONNX, and run the exported blocks on ONNX Runtime in order, in random orders and
 * pruned, next to the DJL model under the same plans.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a small LayerShuffle ViT on Fashion-MNIST for a few minutes, export it as one ONNX "
                + "graph per block, and classify the test images with the exported blocks on ONNX Runtime: in "
                + "order, in a fresh random order per batch, reversed, and with blocks pruned. The DJL model runs "
                + "the same plans beside it."},
        footerHeading = "%nExample:%n",
        footer = "  layershuffle demo --out /tmp/layershuffle-demo")
final class DemoCommand implements Callable<Integer> {
    /** Images per pass on both engines, so that batch b of each runs pass b of the policy. */
    private static final int BATCH = 256;

    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Where the run and the export go "
            + "(default: ${DEFAULT-VALUE}).")
    Path out = Path.of("layershuffle-demo");

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX directory (default: "
            + "${DEFAULT-VALUE}).")
    Path data = FashionMnist.DEFAULT_DIRECTORY;

    @Option(names = "--epochs", defaultValue = "8", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--limit-train", paramLabel = "N", defaultValue = "12000",
            description = "Training images (default: ${DEFAULT-VALUE}).")
    int limitTrain;

    @Option(names = "--limit-eval", paramLabel = "N", defaultValue = "2000",
            description = "Validation and test images (default: ${DEFAULT-VALUE}).")
    int limitEval;

    @Option(names = "--depth", defaultValue = "6", description = "Blocks (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--width", defaultValue = "64", description = "Token width (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of everything (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
    boolean quiet;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!FashionMnist.isPresent(data)) {
            throw new io.github.layershuffle.api.LayerShuffleException("Fashion-MNIST not found in " + data
                    + "; install it with `sudo apt-get install dataset-fashion-mnist`, or pass --data DIR holding "
                    + "its four IDX files (train-images-idx3-ubyte.gz, ...)");
        }
        DatasetSplits splits = DataSource.load(data, FashionMnist.IMAGE_SIZE, 1, seed)
                .limit(limitTrain, limitEval, seed);
        ModelConfig config = ModelConfig.builder().patchSize(7).width(width).depth(depth).heads(Math.max(1, width / 16))
                .mlpWidth(2 * width).classes(splits.classNames().size()).labels(splits.classNames())
                .variant(Variant.LAYERSHUFFLE).build();
        err.printf(Locale.ROOT, "1/3 training a LayerShuffle ViT (%d blocks of width %d) on %d images for %d epochs%n",
                depth, width, splits.train().count(), epochs);
        TrainingResult result;
        try (ProgressBars bars = new ProgressBars(!quiet)) {
            result = TrainingRun.builder().setStart(ModelCheckpoints.fresh(config, seed))
                    .setTrainingData(splits.train()).optValidationData(splits.validation())
                    .setOutputDirectory(out.resolve("run"))
                    .optOptions(TrainingOptions.builder().epochs(epochs).batchSize(32).learningRate(2e-3)
                            .seed(seed).build())
                    .optListener(new TrainingBars(bars, err)).build().run();
        }
        err.println("2/3 exporting " + result.best() + " as ONNX");
        Path export = OnnxExporter.builder().optOverwrite(true).build().export(result.best(), out.resolve("export"));
        err.println("3/3 classifying " + splits.test().count() + " test images with the exported blocks");
        List<PolicySpec> policies = new ArrayList<>(List.of(PolicySpec.parse("sequential"), PolicySpec.parse("random"),
                PolicySpec.parse("reversed")));
        for (int k = depth / 2; k < depth; k += Math.max(1, depth / 4)) {
            policies.add(PolicySpec.parse("random").keep(k));
            policies.add(PolicySpec.parse("sequential").keep(k));
        }
        Table table = new Table("test accuracy (" + splits.test().count() + " images), same plans on both engines",
                "policy", "blocks", "ONNX Runtime top-1", "DJL top-1", "first plan");
        try (LayerShuffleModel onnx = LayerShuffleModel.load(export);
             NDManager manager = NDManager.newBaseManager();
             ProgressBars bars = new ProgressBars(!quiet)) {
            VisionTransformer djl = ModelCheckpoints.load(result.best(), manager);
            Evaluator evaluator = Evaluator.builder(splits.test()).optBatchSize(BATCH)
                    .optListener(bars.evaluationListener()).build();
            for (PolicySpec p : policies) {
                Evaluation reference = evaluator.evaluate("djl", djl, p.policy(), seed);
                double ortTop1 = onnxTop1(onnx, splits.test(), p.policy().seeded(seed), BATCH);
                table.row(p.policy(), reference.firstPlan().size(), pct(ortTop1), pct(reference.top1()),
                        reference.firstPlan());
            }
            bars.finish();
            table.print(stdout);
            example(onnx, splits.test(), stdout);
        }
        stdout.println("\ncheckpoint: " + result.best() + "\nexport:     " + export);
        stdout.flush();
        return 0;
    }

    /** Top-1 accuracy of the exported model, batch {@code b} running pass {@code b} of {@code policy}. */
    static double onnxTop1(LayerShuffleModel model, ImageDataset data, ExecutionPolicy policy, int batchSize) {
        int length = data.channels() * data.height() * data.width();
        long correct = 0;
        for (int from = 0, batch = 0; from < data.count(); from += batchSize, batch++) {
            int n = Math.min(batchSize, data.count() - from);
            FloatBuffer pixels = FloatBuffer.allocate(n * length);
            for (int i = 0; i < n; i++) {
                pixels.put(data.image(from + i));
            }
            pixels.flip();
            ExecutionPlan plan = policy.planForPass(model.size(), batch);
            int[] predicted = model.predict(pixels, new long[] {n, data.channels(), data.height(), data.width()},
                    plan).predictedClasses();
            for (int i = 0; i < n; i++) {
                correct += predicted[i] == data.label(from + i) ? 1 : 0;
            }
        }
        return (double) correct / data.count();
    }

    private static void example(LayerShuffleModel model, ImageDataset test, PrintWriter out) {
        FloatBuffer first = FloatBuffer.wrap(test.image(0));
        ExecutionPlan plan = ExecutionPolicy.random(1).plan(model.size());
        Prediction p = model.predict(first, new long[] {1, test.channels(), test.height(), test.width()}, plan);
        StringBuilder top = new StringBuilder();
        for (Classification c : p.topK(0, 3)) {
            top.append(String.format(Locale.ROOT, "%s%s %.1f%%", top.length() == 0 ? "" : ", ", c.label(),
                    100 * c.probability()));
        }
        out.printf(Locale.ROOT, "%ntest image 0 (a %s) through blocks %s: %s%n", test.classNames().get(test.label(0)),
                plan, top);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }
}
