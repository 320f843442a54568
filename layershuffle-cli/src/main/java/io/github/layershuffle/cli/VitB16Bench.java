package io.github.layershuffle.cli;

import ai.onnxruntime.OrtSession;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.cli.bench.HuggingFaceVitFile;
import io.github.layershuffle.cli.bench.InferenceBenchmark;
import io.github.layershuffle.cli.bench.MemoryBenchmark;
import io.github.layershuffle.cli.bench.PaperPath;
import io.github.layershuffle.cli.bench.SyntheticImageFolder;
import io.github.layershuffle.cli.bench.TrainingBenchmark;
import io.github.layershuffle.cli.experiment.ExperimentListener;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.data.ImageFolder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code layershuffle bench --model vit-b16}: the paper preset's path and the benchmarks at ViT-B/16's full size,
 * in stages so that each fits a time slot ({@code --stage}); the files of one stage are the next one's input, in
 * {@code --work}.
 */
final class VitB16Bench {
    /** Every stage, in the order they run. */
    static final List<String> STAGES = List.of("prepare", "experiment", "parity", "training", "export", "inference",
            "memory", "loader");
    /** The largest ORT-vs-DJL logit difference accepted, relative to the largest logit. */
    static final double RELATIVE_TOLERANCE = 1e-5;
    /** The largest ORT-vs-DJL logit difference accepted, absolute. */
    static final double ABSOLUTE_TOLERANCE = 1e-4;

    private final PrintWriter out;
    private final PrintWriter err;
    private final Path work;

    VitB16Bench(PrintWriter out, PrintWriter err, Path work) {
        this.out = out;
        this.err = err;
        this.work = work;
    }

    Path hfFile() {
        return work.resolve("vit-base-patch16-224").resolve("model.safetensors");
    }

    Path images() {
        return work.resolve("images");
    }

    Path runDir() {
        return work.resolve("experiment-paper");
    }

    /** Runs the stages asked for, in their order; returns the exit code (1 if parity failed). */
    int run(Set<String> stages, int[] batches, int trainImages, int evalImages, int perClass, int rounds,
            OrtSession.SessionOptions.OptLevel level, boolean cpuArena, int passImages) throws IOException {
        int code = 0;
        if (stages.contains("prepare")) {
            prepare(perClass);
        }
        if (stages.contains("experiment")) {
            experiment(batches[0], trainImages, evalImages);
        }
        if (stages.contains("parity")) {
            code = parity();
        }
        if (stages.contains("training")) {
            training(batches);
        }
        Path export = work.resolve(InferenceBenchmark.EXPORT_DIR);
        if (stages.contains("export")) {
            export(export);
        }
        if (stages.contains("inference")) {
            inference(export, rounds, level, cpuArena, passImages);
        }
        if (stages.contains("memory")) {
            memory(export, cpuArena);
        }
        if (stages.contains("loader")) {
            loader(batches);
        }
        return code;
    }

    private void prepare(int perClass) {
        long start = System.nanoTime();
        long params = HuggingFaceVitFile.write(hfFile(), ModelConfig.vitB16(1000), 1);
        double hfSeconds = (System.nanoTime() - start) / 1e9;
        start = System.nanoTime();
        int files = SyntheticImageFolder.write(images(), 4, perClass, Math.max(2, perClass / 4), 224, "jpg", 1);
        out.printf(Locale.ROOT, "prepare: %s (%,d parameters, %.1f MiB) in %.1f s; %d 224x224 JPEGs in 4 classes "
                        + "under %s in %.1f s%n", hfFile(), params, size(hfFile()) / 1048576.0, hfSeconds, files,
                images(), (System.nanoTime() - start) / 1e9);
        out.flush();
    }

    private void experiment(int batch, int trainImages, int evalImages) {
        DatasetSplits splits = PaperPath.splits(hfFile(), images());
        Checkpoint initial = PaperPath.initial(hfFile(), splits);
        ExperimentSettings settings = PaperPath.settings(initial.config(), batch, trainImages, evalImages);
        ExperimentResult result = PaperPath.experiment(initial, splits, settings, runDir(), new ExperimentListener() {
            @Override
            public void unitStarted(String unit, int index, int total) {
                err.printf(Locale.ROOT, "[%d/%d] %s%n", index, total, unit);
                err.flush();
            }

            @Override
            public void unitFinished(String unit, boolean ran, double seconds) {
                if (ran) {
                    err.printf(Locale.ROOT, "        %s done in %.0f s%n", unit, seconds);
                    err.flush();
                }
            }
        });
        out.printf(Locale.ROOT, "experiment: %s, %s; results under %s%n", settings.preset(),
                result.isComplete() ? "complete" : result.pending().size() + " units pending", runDir());
        out.flush();
    }

    private int parity() {
        DatasetSplits splits = PaperPath.splits(hfFile(), images());
        ImageDataset val = splits.validation();
        List<PaperPath.Parity> rows = PaperPath.parity(runDir(), val, 8, work.resolve("parity"));
        out.println("### ONNX Runtime vs DJL at full size (" + Math.min(8, val.count()) + " validation images)");
        out.println();
        out.printf(Locale.ROOT, "Tolerance: max |ORT - DJL| <= %.0e absolute and <= %.0e of the largest logit.%n%n",
                ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE);
        out.println("| model, plan | max abs difference | largest logit | relative | same top-1 | within |");
        out.println("|---|---:|---:|---:|---|---|");
        boolean ok = true;
        for (PaperPath.Parity p : rows) {
            boolean within = p.maxAbs() <= ABSOLUTE_TOLERANCE && p.relative() <= RELATIVE_TOLERANCE;
            ok &= within;
            out.printf(Locale.ROOT, "| %s | %.2e | %.3f | %.2e | %s | %s |%n", p.case_(), p.maxAbs(), p.maxLogit(),
                    p.relative(), p.sameTop1() ? "yes" : "no", within ? "yes" : "NO");
        }
        out.println();
        out.flush();
        return ok ? 0 : 1;
    }

    private void training(int[] batches) {
        ModelConfig config = ModelConfig.vitB16(1000).withVariant(Variant.LAYERSHUFFLE);
        out.println("### Training ViT-B/16 (DJL, PyTorch engine, CPU; LayerShuffle, 1,000 classes)");
        out.println();
        out.println("| batch | s per step | images/s | achieved GFLOP/s | share of peak matmul | peak RSS so far, MiB |");
        out.println("|---:|---:|---:|---:|---:|---:|");
        for (int batch : batches) {
            TrainingBenchmark.Result t = TrainingBenchmark.run(config, batch, 1, 1, 3);
            out.printf(Locale.ROOT, "| %d | %.2f | %.2f | %.1f | %.0f%% | %.0f |%n", batch, batch / t.imagesPerSecond(),
                    t.imagesPerSecond(), t.achievedFlopsPerSecond() / 1e9, 100 * t.shareOfPeak(),
                    peakResidentKiB() / 1024.0);
            out.flush();
        }
        out.println();
    }

    private void export(Path export) throws IOException {
        Checkpoint checkpoint = ModelCheckpoints.fresh(ModelConfig.vitB16(1000).withVariant(Variant.LAYERSHUFFLE), 1);
        long start = System.nanoTime();
        OnnxExporter.builder().optOverwrite(true).build().export(checkpoint, work.resolve("export-blocks"));
        double blocks = (System.nanoTime() - start) / 1e9;
        start = System.nanoTime();
        OnnxExporter.builder().optFullModel(true).optOverwrite(true).build().export(checkpoint, export);
        double withFull = (System.nanoTime() - start) / 1e9;
        long blocksBytes = size(work.resolve("export-blocks"));
        out.printf(Locale.ROOT, "export: per-block export %.1f s, %.1f MiB (%s); with model.onnx %.1f s, %.1f MiB, "
                        + "model.onnx %.1f MiB, one block graph %.1f MiB%n", blocks, blocksBytes / 1048576.0,
                work.resolve("export-blocks"), withFull, size(export) / 1048576.0,
                size(export.resolve("model.onnx")) / 1048576.0, largestBlock(export) / 1048576.0);
        out.flush();
    }

    private void inference(Path export, int rounds, OrtSession.SessionOptions.OptLevel level, boolean cpuArena,
                           int passImages) {
        Checkpoint checkpoint = ModelCheckpoints.fresh(ModelConfig.vitB16(1000).withVariant(Variant.LAYERSHUFFLE), 1);
        List<InferenceBenchmark.Row> rows = InferenceBenchmark.measure(checkpoint, export, new int[] {1, 8}, rounds, 1,
                new int[] {1}, level, cpuArena, RuntimeOptions.defaults().tokenPoolBytes(), passImages);
        out.println("### Inference ViT-B/16 (ONNX Runtime " + ai.onnxruntime.OrtEnvironment.getEnvironment().getVersion()
                + ", " + level + ", " + rounds + " interleaved rounds of one call each, sequential plan"
                + (cpuArena ? ", an arena per session of the composed model" : "") + ", the composed model in passes of "
                + rows.get(0).passImages() + " images" + (passImages > 0 ? "" : " (its default)") + ")");
        out.println();
        out.println("| intra-op threads | batch | composed, ms | one graph, ms | composition overhead, median [quartiles] "
                + "| DJL, ms | ORT composed images/s | DJL images/s | ORT / DJL |");
        out.println("|---:|---:|---:|---:|---|---:|---:|---:|---:|");
        for (InferenceBenchmark.Row r : rows) {
            out.printf(Locale.ROOT, "| %d | %d | %.1f | %.1f | %+.2f%% [%+.2f%%, %+.2f%%] | %.1f | %.2f | %.2f | %.2fx |%n",
                    r.threads(), r.batch(), r.composed() * 1e3, r.fullGraph() * 1e3, 100 * r.overhead(),
                    100 * r.overheadLow(), 100 * r.overheadHigh(), r.djl() * 1e3, r.batch() / r.composed(),
                    r.batch() / r.djl(), r.ortOverDjl());
        }
        out.println();
        for (InferenceBenchmark.Row r : rows) {
            if (!Double.isNaN(r.fullInPasses())) {
                out.printf(Locale.ROOT, "Batch %d with the one graph also run in passes of %d images, in rounds of "
                                + "their own: composed %.1f ms, one graph %.1f ms, composition overhead %+.2f%%.%n",
                        r.batch(), r.passImages(), r.composedInPassRounds() * 1e3, r.fullInPasses() * 1e3,
                        100 * r.passOverhead());
            }
        }
        out.println();
        out.flush();
    }

    private void memory(Path export, boolean cpuArena) {
        out.println("### Memory and load time ViT-B/16 (fresh JVM each, 3 calls at batch 8"
                + (cpuArena ? ", an arena per session of the composed model" : "") + ")");
        out.println();
        out.println("| model | load, s | after loading, MiB | added by the calls, MiB |");
        out.println("|---|---:|---:|---:|");
        for (MemoryBenchmark.GraphRow r : MemoryBenchmark.compareGraphs(export, 8, 3, cpuArena)) {
            out.printf(Locale.ROOT, "| %s | %.2f | %.0f | %.0f |%n", r.composed() ? "composed (14 sessions)"
                    : "one graph (model.onnx)", r.loadMillis() / 1000, r.loadKiB() / 1024.0, r.callsKiB() / 1024.0);
        }
        out.println();
        out.flush();
    }

    /**
     * How fast the image-folder loader turns the 224x224 JPEGs into training batches, as the training loop asks
     * for them ({@code ImageDataset.batch}): decoded on demand ({@link ImageFolder#open}, as for ImageNet) and
     * from memory ({@link ImageFolder#read}); best of three passes over the training images.
     */
    private void loader(int[] batches) {
        Path train = images().resolve("train");
        out.println("### Image-folder loader at 224x224 (" + Runtime.getRuntime().availableProcessors()
                + " processors; ImageFolder decodes a batch in parallel on the common pool)");
        out.println();
        out.println("| batch | decoded on demand (open), images/s | in memory (read), images/s |");
        out.println("|---:|---:|---:|");
        long start = System.nanoTime();
        ImageDataset inMemory = ImageFolder.read(train, 224, 3);
        double readSeconds = (System.nanoTime() - start) / 1e9;
        ImageDataset lazy = ImageFolder.open(train, 224, 3);
        try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager()) {
            for (int batch : batches) {
                out.printf(Locale.ROOT, "| %d | %.0f | %.0f |%n", batch, imagesPerSecond(lazy, batch, manager),
                        imagesPerSecond(inMemory, batch, manager));
                out.flush();
            }
        }
        out.printf(Locale.ROOT, "%nReading all %d images into memory took %.1f s (%.0f images/s).%n%n",
                inMemory.count(), readSeconds, inMemory.count() / readSeconds);
        out.flush();
    }

    private static double imagesPerSecond(ImageDataset data, int batch, ai.djl.ndarray.NDManager manager) {
        double best = 0;
        for (int pass = 0; pass < 3; pass++) {
            long start = System.nanoTime();
            for (int from = 0; from < data.count(); from += batch) {
                long[] positions = java.util.stream.LongStream.range(from, Math.min(data.count(), from + batch))
                        .toArray();
                try (ai.djl.ndarray.NDManager scratch = manager.newSubManager()) {
                    data.batch(scratch, positions);
                }
            }
            best = Math.max(best, data.count() / ((System.nanoTime() - start) / 1e9));
        }
        return best;
    }

    /** This process's peak resident memory (VmHWM), KiB; -1 where /proc is missing. */
    static long peakResidentKiB() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }

    private static long size(Path path) {
        try (Stream<Path> files = Files.walk(path)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long largestBlock(Path export) {
        try (Stream<Path> files = Files.list(export)) {
            return files.filter(p -> p.getFileName().toString().startsWith("block")).mapToLong(p -> p.toFile().length())
                    .max().orElse(-1);
        } catch (IOException e) {
            return -1;
        }
    }
}
