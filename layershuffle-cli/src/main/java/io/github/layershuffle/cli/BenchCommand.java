package io.github.layershuffle.cli;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.bench.InferenceBenchmark;
import io.github.layershuffle.cli.bench.MemoryBenchmark;
import io.github.layershuffle.cli.bench.PreprocessingBenchmark;
import io.github.layershuffle.cli.bench.TrainingBenchmark;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code layershuffle bench}: training throughput and share of the machine's matrix-product FLOP/s, and
 * per-block composition against one graph, and ONNX Runtime against DJL. Prints Markdown for
 * docs/PERFORMANCE.md.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure training throughput (images/s and share of this machine's measured matmul FLOP/s) "
                + "and inference (per-block composition vs one ONNX graph, ONNX Runtime vs DJL) for the small "
                + "Fashion-MNIST model (28x28, patch 4, 12 blocks of width 64). Prints Markdown.",
            "Ratios compare runs made in this process, interleaved round by round.",
            "With --preprocessing: only how fast image files become pixels (ImageInput) beside the model's speed.",
            "With --model vit-b16: the paper preset's path at ViT-B/16's full size in stages (--stage): prepare "
                + "(a random-valued Hugging Face model.safetensors in google/vit-base-patch16-224's layout and a "
                + "224x224 image folder), experiment (import, fine-tune every method, checkpoint, evaluate, merge, "
                + "export, ONNX Runtime), parity (ORT vs DJL logits), training, export, inference, memory, loader "
                + "(the image-folder loader's images/s).",
            "With --write-hf FILE or --write-images DIR: only write that fixture."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--batch", split = ",", paramLabel = "N",
            description = "Training batch size (default 64; vit-b16: 8). vit-b16 takes a list: the training stage "
                    + "measures each, the experiment uses the first.")
    int[] batch;

    @Option(names = "--model", defaultValue = "small", description = "small (the Fashion-MNIST model) or vit-b16 "
            + "(default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--stage", split = ",", paramLabel = "NAME", description = "vit-b16 only: the stages to run, of "
            + "prepare, experiment, parity, training, export, inference, memory, loader (default: all, in that order).")
    List<String> stages;

    @Option(names = "--train-images", defaultValue = "16",
            description = "vit-b16 experiment: training images per fine-tuning (default ${DEFAULT-VALUE}).")
    int trainImages;

    @Option(names = "--eval-images", defaultValue = "8",
            description = "vit-b16 experiment: validation and test images (default ${DEFAULT-VALUE}).")
    int evalImages;

    @Option(names = "--images-per-class", defaultValue = "64", description = "Training images per class the "
            + "image folder gets (validation: a quarter as many; default ${DEFAULT-VALUE}).")
    int perClass;

    @Option(names = "--write-hf", paramLabel = "FILE", description = "Only write a random-valued "
            + "ViTForImageClassification model.safetensors in google/vit-base-patch16-224's layout (with "
            + "config.json and preprocessor_config.json beside it).")
    Path writeHf;

    @Option(names = "--write-images", paramLabel = "DIR", description = "Only write a generated image folder: "
            + "DIR/train and DIR/val, 4 classes of 224x224 RGB JPEGs.")
    Path writeImages;

    @Option(names = "--steps", defaultValue = "10", description = "Timed training steps per round (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--rounds", defaultValue = "30", description = "Inference rounds per batch size (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--threads", split = ",", paramLabel = "N",
            description = "ONNX Runtime intra-op thread counts, one row set each; at most one above 1 (default: 1 and "
                    + "this machine's processor count).")
    int[] threads;

    @Option(names = "--optimization", defaultValue = "ALL_OPT",
            description = "ONNX Runtime graph optimisation for both paths: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    ai.onnxruntime.OrtSession.SessionOptions.OptLevel optimization;

    @Option(names = "--cpu-arena", description = "Give each session of the composed model a CPU memory arena of "
            + "its own (RuntimeOptions.cpuArena; off by default).")
    boolean cpuArena;

    @Option(names = "--pass-images", defaultValue = "0", paramLabel = "N", description = "vit-b16 only: the most "
            + "images the composed model sends through its sessions at once (RuntimeOptions.passImages; default 0: "
            + "the model's default, RuntimeOptions.passImagesFor).")
    int passImages;

    @Option(names = "--token-pool-bytes", defaultValue = "67108864",
            description = "Bytes of token tensors the composed model keeps between calls (RuntimeOptions.tokenPoolBytes; default ${DEFAULT-VALUE}).")
    long tokenPoolBytes;

    @Option(names = "--skip-memory", description = "Leave out the memory measurement (child JVMs; Linux only).")
    boolean skipMemory;

    @Option(names = "--skip-training", description = "Only the inference benchmark.")
    boolean skipTraining;

    @Option(names = "--work", description = "Where to write the benchmark's export (default: a temporary directory).")
    Path work;

    @Option(names = "--preprocessing", description = "Only the image preprocessing benchmark: ImageInput on 28x28 "
            + "grey PNGs and 224x224 and 640x480 RGB JPEGs in images/s, beside the models' images/s.")
    boolean preprocessing;

    @Option(names = "--files", defaultValue = "64",
            description = "Image files per case and batch of the preprocessing benchmark (default ${DEFAULT-VALUE}).")
    int files;

    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Fashion-MNIST IDX directory, the preprocessing benchmark's image content (default ${DEFAULT-VALUE}).")
    Path data;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (writeHf != null) {
            long params = io.github.layershuffle.cli.bench.HuggingFaceVitFile.write(writeHf, ModelConfig.vitB16(1000), 1);
            out.printf("wrote %s: %,d parameters, %d bytes%n", writeHf, params, Files.size(writeHf));
            return 0;
        }
        if (writeImages != null) {
            int n = io.github.layershuffle.cli.bench.SyntheticImageFolder.write(writeImages, 4, perClass,
                    Math.max(2, perClass / 4), 224, "jpg", 1);
            out.printf("wrote %d images under %s%n", n, writeImages);
            return 0;
        }
        if (model.equals("vit-b16")) {
            java.util.Set<String> chosen = new java.util.LinkedHashSet<>(stages != null ? stages : VitB16Bench.STAGES);
            for (String s : chosen) {
                if (!VitB16Bench.STAGES.contains(s)) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown stage '" + s
                            + "', expected some of " + VitB16Bench.STAGES);
                }
            }
            out.printf("Measured %s on %s (%d cores, %d MiB max heap), Java %s.%n%n", LocalDate.now(), cpuModel(),
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                    System.getProperty("java.version"));
            Path dir = work != null ? work : Path.of("runs", "bench-vit-b16");
            return new VitB16Bench(out, spec.commandLine().getErr(), dir).run(chosen,
                    batch != null ? batch : new int[] {8}, trainImages, evalImages, perClass, rounds, optimization, cpuArena,
                    passImages);
        }
        if (!model.equals("small")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown model '" + model
                    + "', expected small or vit-b16");
        }
        int batch = this.batch != null ? this.batch[0] : 64;
        ModelConfig config = ModelConfig.builder().variant(Variant.LAYERSHUFFLE).build();
        out.printf("Measured %s on %s (%d cores, %d MiB max heap), Java %s.%n%n", LocalDate.now(), cpuModel(),
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("java.version"));
        if (preprocessing) {
            return preprocessing(out);
        }
        if (!skipTraining) {
            TrainingBenchmark.Result t = TrainingBenchmark.run(config, batch, steps);
            out.println("### Training (DJL, PyTorch engine, CPU)");
            out.println();
            out.println("| matrix product | GFLOP/s |");
            out.println("|---|---:|");
            for (TrainingBenchmark.Matmul m : t.matmuls()) {
                out.printf("| %s | %.1f |%n", m.shape(), m.flopsPerSecond() / 1e9);
            }
            out.println();
            out.println("| model | batch | images/s | GFLOP per image (fwd+bwd) | achieved GFLOP/s | share of peak matmul |");
            out.println("|---|---:|---:|---:|---:|---:|");
            out.printf("| %s, %d blocks x %d | %d | %.0f | %.3f | %.1f | %.0f%% |%n%n", config.variant(),
                    config.depth(), config.width(), t.batchSize(), t.imagesPerSecond(), t.flopsPerImage() / 1e9,
                    t.achievedFlopsPerSecond() / 1e9, 100 * t.shareOfPeak());
            out.flush();
        }
        Path dir = work != null ? work : Files.createTempDirectory("layershuffle-bench");
        int cores = Runtime.getRuntime().availableProcessors();
        int[] threadCounts = threads != null ? threads : cores > 1 ? new int[] {1, cores} : new int[] {1};
        List<InferenceBenchmark.Row> rows = InferenceBenchmark.run(config, dir, new int[] {1, 64}, rounds, threadCounts,
                optimization, cpuArena, tokenPoolBytes);
        out.println("### Inference (ONNX Runtime " + ortVersion() + ", " + optimization + ", " + rounds + " rounds"
                + (cpuArena ? ", an arena per session" : "") + ", token pool " + tokenPoolBytes + " bytes)");
        out.println();
        out.println("| intra-op threads | batch | composed, ms | one graph, ms | composition overhead, median [quartiles] "
                + "| DJL, ms | ORT composed images/s | DJL images/s | ORT / DJL |");
        out.println("|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        for (InferenceBenchmark.Row r : rows) {
            out.printf("| %d | %d | %.3f | %.3f | %+.1f%% [%+.1f%%, %+.1f%%] | %.3f | %.0f | %.0f | %.2fx |%n",
                    r.threads(), r.batch(), r.composed() * 1e3, r.fullGraph() * 1e3, 100 * r.overhead(),
                    100 * r.overheadLow(), 100 * r.overheadHigh(), r.djl() * 1e3, r.batch() / r.composed(),
                    r.batch() / r.djl(), r.ortOverDjl());
        }
        out.flush();
        if (!skipMemory) {
            List<MemoryBenchmark.Row> memory = MemoryBenchmark.run(dir.resolve(InferenceBenchmark.EXPORT_DIR),
                    new int[] {64, 256}, 20);
            out.println();
            out.println("### Memory (composed model, resident memory of a fresh JVM, 20 calls with random plans)");
            out.println();
            out.println("| batch | arena per session | after loading, MiB | added by the calls, MiB |");
            out.println("|---:|---|---:|---:|");
            for (MemoryBenchmark.Row r : memory) {
                out.printf("| %d | %s | %.0f | %.0f |%n", r.batch(), r.cpuArena() ? "yes" : "no (default)",
                        r.loadKiB() / 1024.0, r.callsKiB() / 1024.0);
            }
            out.flush();
        }
        return 0;
    }

    private int preprocessing(PrintWriter out) throws java.io.IOException {
        Path dir = work != null ? work : Files.createTempDirectory("layershuffle-bench");
        int t = threads != null ? java.util.Arrays.stream(threads).max().orElse(1)
                : Runtime.getRuntime().availableProcessors();
        int r = Math.min(rounds, 10);
        List<PreprocessingBenchmark.Row> rows = PreprocessingBenchmark.run(PreprocessingBenchmark.defaultCases(), dir,
                data, files, r, t);
        out.println("### Preprocessing (ImageInput, " + files + " files per batch, median of " + r + " rounds; "
                + "ONNX Runtime " + ortVersion() + ", " + t + " intra-op threads)");
        out.println();
        out.println("Image content: " + rows.get(0).source() + ".");
        out.println();
        out.println("| files | model | mean file, KiB | decode only, 1 thread | preprocessing, 1 thread | preprocessing, "
                + t + " threads | model, batch " + files + " | preprocessing " + t + " threads / model |");
        out.println("|---|---|---:|---:|---:|---:|---:|---:|");
        for (PreprocessingBenchmark.Row row : rows) {
            ModelConfig m = row.c().model();
            out.printf("| %s | %dx%d x%d, patch %d, %d blocks x %d | %.1f | %.0f | %.0f | %.0f | %.0f | %.1fx |%n",
                    row.c().name(), m.imageSize(), m.imageSize(), m.channels(), m.patchSize(), m.depth(), m.width(),
                    row.meanFileBytes() / 1024, row.decode(), row.preprocess(), row.preprocessAll(), row.model(),
                    row.preprocessAll() / row.model());
        }
        out.println();
        out.println("All figures in images/s.");
        out.flush();
        return 0;
    }

    private static String ortVersion() {
        return ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion();
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }
}
