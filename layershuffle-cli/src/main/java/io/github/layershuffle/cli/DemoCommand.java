package io.github.layershuffle.cli;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.train.checkpoint.FineTuning;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.training.EpochMetrics;
import io.github.layershuffle.train.training.TrainingOptions;
import io.github.layershuffle.train.training.TrainingResult;
import io.github.layershuffle.train.training.TrainingRun;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code layershuffle demo}: the paper's point in minutes. A ViT is trained in order on Fashion-MNIST (the base);
 * a baseline and a LayerShuffle model are fine-tuned from it, two of each; all are exported block by block to ONNX
 * and run on ONNX Runtime in order, in a random order, reversed, pruned to half and as two-model Frankensteins,
 * baseline and LayerShuffle side by side.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Show what LayerShuffle buys, in about ten minutes on two CPU cores: train a small ViT on "
                + "Fashion-MNIST in order (the base), fine-tune a baseline (in order) and a LayerShuffle model (a "
                + "fresh random block order per batch) from it, export both as one ONNX graph per block, and "
                + "classify the 10,000 test images with the exported blocks on ONNX Runtime: in order, in a random "
                + "order, reversed, pruned to half, and as a Frankenstein of two fine-tuned models.",
            "Installs Fashion-MNIST (Debian's dataset-fashion-mnist) first when it is missing, as root or through "
                + "password-less sudo; otherwise prints the command to run and exits with 2."},
        footerHeading = "%nExamples:%n",
        footer = {"  layershuffle demo", "  layershuffle demo --out /tmp/layershuffle-demo --base-epochs 2 --epochs 1"})
final class DemoCommand implements Callable<Integer> {
    /** Images per ONNX Runtime pass: batch b of every row runs pass b of the row's policy. */
    private static final int EVAL_BATCH = 250;
    /** The file that marks a directory as the demo's own, so that a rerun may replace what is in it. */
    static final String MARKER = ".layershuffle-demo";

    @Spec
    CommandSpec spec;

    /** How Fashion-MNIST gets installed; tests replace it. */
    DatasetInstall.Host host = DatasetInstall.Host.system();

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", description = "Where the runs and the exports go "
            + "(default: ${DEFAULT-VALUE}).")
    Path out = Path.of("layershuffle-demo");

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX directory (default: "
            + "${DEFAULT-VALUE}, installed when missing).")
    Path data = FashionMnist.DEFAULT_DIRECTORY;

    @Option(names = "--base-epochs", paramLabel = "N", defaultValue = "4",
            description = "Epochs of the base, in order (default: ${DEFAULT-VALUE}).")
    int baseEpochs;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "2",
            description = "Fine-tuning epochs of each baseline and LayerShuffle model (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--models", paramLabel = "N", defaultValue = "2", description = "Models fine-tuned per method: "
            + "1, or 2 for the Frankenstein rows (default: ${DEFAULT-VALUE}).")
    int models;

    @Option(names = "--limit-train", paramLabel = "N", defaultValue = "55000",
            description = "Training images (default: ${DEFAULT-VALUE}, all).")
    int limitTrain;

    @Option(names = "--limit-test", paramLabel = "N", defaultValue = "10000",
            description = "Test images (default: ${DEFAULT-VALUE}, all).")
    int limitTest;

    @Option(names = "--depth", defaultValue = "4", description = "Blocks (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--width", defaultValue = "64", description = "Token width (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--patch-size", paramLabel = "PX", defaultValue = "7",
            description = "Patch side in pixels (default: ${DEFAULT-VALUE}).")
    int patchSize;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "128",
            description = "Training images per step (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", paramLabel = "RATE", defaultValue = "2e-3",
            description = "Peak learning rate of the base (default: ${DEFAULT-VALUE}); fine-tuning uses half.")
    double lr;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of everything (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        long start = System.nanoTime();
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (models < 1 || models > 2) {
            throw new IllegalArgumentException("--models must be 1 or 2, was " + models);
        }
        int installed = DatasetInstall.ensureFashionMnist(data, host, err);
        if (installed != 0) {
            return installed;
        }
        prepare(out);
        DatasetSplits all = FashionMnist.splits(data);
        DatasetSplits splits = new DatasetSplits(all.train().sample(limitTrain, seed), all.validation(),
                all.test().sample(limitTest, seed + 2));
        ModelConfig config = ModelConfig.builder().imageSize(FashionMnist.IMAGE_SIZE).channels(1).patchSize(patchSize)
                .width(width).depth(depth).heads(Math.max(1, width / 16)).mlpWidth(2 * width)
                .classes(splits.classNames().size()).labels(splits.classNames()).variant(Variant.BASELINE).build();
        int steps = 1 + 2 * models + 1;
        Steps log = new Steps(err, steps);
        log.line(String.format(Locale.ROOT, "data: Fashion-MNIST in %s, %d training, %d validation, %d test images",
                data, splits.train().count(), splits.validation().count(), splits.test().count()));

        long stepsPerEpoch = (splits.train().count() + batchSize - 1) / batchSize;
        TrainingOptions baseOptions = TrainingOptions.builder().epochs(baseEpochs).batchSize(batchSize)
                .learningRate(lr).warmupSteps(Math.min(200, Math.max(1, stepsPerEpoch * baseEpochs / 10)))
                .cosine(true).seed(seed).build();
        log.start(String.format(Locale.ROOT, "base: a ViT of %d blocks (width %d, patch %d) trained in order for %d "
                + "epochs", depth, width, patchSize, baseEpochs));
        TrainingResult base = train(ModelCheckpoints.fresh(config, seed), splits, out.resolve("base"), baseOptions, err);
        log.done(summary("base", base));

        Checkpoint baseCheckpoint = Checkpoint.read(base.best());
        List<Path> exports = new ArrayList<>();
        for (Variant variant : List.of(Variant.BASELINE, Variant.LAYERSHUFFLE)) {
            for (int m = 1; m <= models; m++) {
                String name = variant.id() + "-" + m;
                log.start(String.format(Locale.ROOT, "%s: fine-tuned from the base for %d epochs, %s", name, epochs,
                        variant.shuffles() ? "its blocks in a fresh random order every batch" : "in order"));
                Checkpoint from = FineTuning.adapt(baseCheckpoint, baseCheckpoint.config().withVariant(variant),
                        FineTuning.Head.KEEP, seed + m);
                TrainingResult r = train(from, splits, out.resolve(name), TrainingOptions.builder().epochs(epochs)
                        .batchSize(batchSize).learningRate(lr / 2).cosine(true).seed(seed + m).build(),
                        err);
                Path export = OnnxExporter.builder().optOverwrite(true).build().export(r.best(),
                        out.resolve("export-" + name));
                exports.add(export);
                log.done(summary(name, r) + ", exported to " + export);
            }
        }

        List<DemoTable.Row> rows = DemoTable.rows(depth, models == 2);
        log.start(String.format(Locale.ROOT, "classifying the %d test images with the exported blocks on ONNX Runtime, "
                + "%d ways per method", splits.test().count(), rows.size()));
        List<LayerShuffleModel> open = new ArrayList<>();
        List<DemoTable.Result> results;
        try (ProgressBars bars = new ProgressBars(!quiet)) {
            for (Path e : exports) {
                open.add(LayerShuffleModel.load(e));
            }
            DemoTable.Models loaded = new DemoTable.Models(open.subList(0, models), open.subList(models, 2 * models));
            results = DemoTable.measure(loaded, rows, splits.test(), seed, EVAL_BATCH, bars.evaluationListener());
        } finally {
            open.forEach(LayerShuffleModel::close);
        }
        DemoTable.Result inOrder = results.get(0);
        DemoTable.Result random = results.get(1);
        log.done(String.format(Locale.ROOT, "in a random order the baseline falls %.1f points, LayerShuffle %.1f",
                100 * random.drop(inOrder.baseline(), false), 100 * random.drop(inOrder.layerShuffle(), true)));

        DemoTable.table(results, splits.test().count()).print(stdout);
        Path png = writePng(splits.test(), 0, out.resolve("test-image-0.png"));
        Path lsExport = exports.get(models).toAbsolutePath();
        stdout.printf(Locale.ROOT, "%nexports:  %s%n", String.join(", ", exports.stream()
                .map(p -> p.toAbsolutePath().toString()).toList()));
        stdout.printf(Locale.ROOT, "runs:     %s/{base,baseline-N,layershuffle-N}%n", out.toAbsolutePath());
        stdout.printf(Locale.ROOT, "%nClassify a PNG (%s, a %s from the test set) with the exported LayerShuffle model "
                + "in a random order, with ONNX Runtime only (samples/embed-app), from this checkout:%n%n",
                png.getFileName(), splits.classNames().get(splits.test().label(0)));
        stdout.println(embedAppCommand(lsExport, png.toAbsolutePath()));
        stdout.printf(Locale.ROOT, "%ndemo finished in %.0f s%n", (System.nanoTime() - start) / 1e9);
        stdout.flush();
        return 0;
    }

    /**
     * Makes {@code dir} the demo's directory: creates it with a marker file, or, when it holds the marker of an
     * earlier demo, removes that demo's runs (the exports are replaced when written).
     *
     * @throws LayerShuffleException naming {@code dir} when it is a file, or a non-empty directory the demo did not
     *                               make
     */
    static void prepare(Path dir) throws IOException {
        Path marker = dir.resolve(MARKER);
        if (Files.exists(dir)) {
            boolean empty;
            try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
                empty = entries.findAny().isEmpty();
            } catch (java.nio.file.NotDirectoryException e) {
                throw new LayerShuffleException("--out " + dir + " is a file; give a directory", e);
            }
            if (!empty && !Files.isRegularFile(marker)) {
                throw new LayerShuffleException("--out " + dir + " is not empty and was not made by layershuffle demo "
                        + "(no " + MARKER + " in it); give a new or empty directory");
            }
        }
        Files.createDirectories(dir);
        try (java.util.stream.Stream<Path> entries = Files.list(dir)) {
            for (Path run : entries.filter(p -> Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                    && p.getFileName().toString().matches("base|(baseline|layershuffle)-\\d+")).toList()) {
                deleteTree(run);
            }
        }
        Files.writeString(marker, "made by layershuffle demo; rerunning the demo replaces its runs and exports\n");
    }

    private static void deleteTree(Path root) throws IOException {
        try (java.util.stream.Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** The commands that build samples/embed-app and classify {@code png} with {@code export} in a random order. */
    static String embedAppCommand(Path export, Path png) {
        String version = OnnxExporter.producer().substring(OnnxExporter.producer().lastIndexOf(' ') + 1);
        return "  mvn -B -q package -DskipTests -pl samples/embed-app -am\n"
                + "  java -jar samples/embed-app/target/layershuffle-sample-embed-app-" + version + ".jar \\\n"
                + "       --export " + export + " --policy random " + png;
    }

    private TrainingResult train(Checkpoint start, DatasetSplits splits, Path dir, TrainingOptions options,
                                 PrintWriter err) {
        try (ProgressBars bars = new ProgressBars(!quiet)) {
            return TrainingRun.builder().setStart(start).setTrainingData(splits.train())
                    .optValidationData(splits.validation()).setOutputDirectory(dir).optOptions(options)
                    .optListener(quiet ? new io.github.layershuffle.train.training.ProgressListener() { }
                            : new TrainingBars(bars, err))
                    .optResume(false).build().run();
        }
    }

    private static String summary(String name, TrainingResult r) {
        EpochMetrics best = r.history().stream().filter(m -> m.epoch() == r.bestEpoch()).findFirst().orElseThrow();
        double seconds = r.history().stream().mapToDouble(EpochMetrics::seconds).sum();
        return String.format(Locale.ROOT, "%s: validation accuracy %.2f %% (epoch %d), %.0f s of training", name,
                100 * best.validationAccuracy(), r.bestEpoch(), seconds);
    }

    /** Writes image {@code index} of {@code data} (grey, pixels in [0, 1]) as an 8-bit PNG. */
    static Path writePng(ImageDataset data, int index, Path file) throws IOException {
        float[] pixels = data.image(index);
        BufferedImage img = new BufferedImage(data.width(), data.height(), BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < data.height(); y++) {
            for (int x = 0; x < data.width(); x++) {
                img.getRaster().setSample(x, y, 0, Math.round(255 * Math.max(0, Math.min(1, pixels[y * data.width()
                        + x]))));
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        ImageIO.write(img, "png", tmp.toFile());
        return Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** The step lines on standard error: "[i/n] what", then "      summary (seconds)". */
    private static final class Steps {
        private final PrintWriter err;
        private final int total;
        private int index;
        private long started;

        Steps(PrintWriter err, int total) {
            this.err = err;
            this.total = total;
        }

        void line(String text) {
            err.println(text);
            err.flush();
        }

        void start(String what) {
            index++;
            started = System.nanoTime();
            line(String.format(Locale.ROOT, "[%d/%d] %s", index, total, what));
        }

        void done(String summary) {
            line(String.format(Locale.ROOT, "[%d/%d] done in %.0f s: %s", index, total,
                    (System.nanoTime() - started) / 1e9, summary));
        }
    }
}
