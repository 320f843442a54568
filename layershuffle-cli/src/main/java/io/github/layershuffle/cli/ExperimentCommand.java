package io.github.layershuffle.cli;

import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.checkpoint.FineTuning;
import io.github.layershuffle.train.checkpoint.HuggingFaceVit;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.data.ImageFolder;
import io.github.layershuffle.train.eval.EvaluationListener;
import io.github.layershuffle.cli.experiment.CostEstimate;
import io.github.layershuffle.cli.experiment.SpeedProbe;
import io.github.layershuffle.cli.experiment.Experiment;
import io.github.layershuffle.cli.experiment.ExperimentListener;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.cli.experiment.Measurements;
import io.github.layershuffle.cli.report.MachineInfo;
import io.github.layershuffle.cli.report.ResultsReport;
import io.github.layershuffle.train.training.ProgressListener;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import io.github.layershuffle.cli.search.SearchListener;
import io.github.layershuffle.cli.search.SearchResult;
import picocli.CommandLine.Spec;

/** {@code layershuffle experiment}: the paper's protocol from one command, resumable, with a report. */
@Command(name = "experiment", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Reproduce the paper's findings: train a base model sequentially, fine-tune it with "
                + "baseline, LayerDrop (p=0.2), LayerShuffle, -position and -predict over several seeds, and measure "
                + "sequential vs arbitrary order (Table 1), pruning (Fig. 1b/1c), merged models and ensembles "
                + "(Table 2), position prediction and a linear probe of the slot (Fig. 4), some of it also through "
                + "the exported ONNX models. Writes a Markdown report with PNG figures and a summary JSON.",
            "Presets: smoke (minutes, tiny; report in the run directory), small (Fashion-MNIST, 12 blocks, 5 "
                + "methods x 3 seeds; 47 minutes on 2 CPU cores with OMP_NUM_THREADS=1), standard (a base trained to a"
                + " plateau, 3 fine-tuning epochs, 12 models each of baseline and LayerShuffle for the paper's merges,"
                + " every diagnostic; estimated 138 minutes on 2 CPU cores), standard-smoke (its miniature; report in "
                + "the run directory), paper (ViT-B/16 from --init-hf on an ImageNet-style --data folder; for a GPU "
                + "machine).",
            "Rerunning the same command resumes: finished trainings and evaluations are skipped.",
            "Examples:",
            "  layershuffle experiment --preset smoke",
            "  nohup layershuffle experiment --preset small > runs/experiment-small.log 2>&1 &",
            "  layershuffle experiment --preset small --report-only",
            "  layershuffle experiment --preset paper --init-hf vit-base-patch16-224/model.safetensors "
                + "--data /data/imagenet"})
final class ExperimentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** How Fashion-MNIST gets installed when missing; tests replace it. */
    DatasetInstall.Host host = DatasetInstall.Host.system();

    @Option(names = "--preset", required = true, paramLabel = "NAME",
            description = "smoke, small, standard, standard-smoke or paper.")
    String preset;

    @Option(names = "--dir", paramLabel = "DIR", description = "Run directory: checkpoints, exports, results, "
            + "state (default: runs/experiment-<preset>).")
    Path dir;

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX directory, or for the paper "
            + "preset an image-folder tree with train/ and val/ (default: " + "/usr/share/datasets/fashion-mnist).")
    Path data = FashionMnist.DEFAULT_DIRECTORY;

    @Option(names = "--init-hf", paramLabel = "FILE", description = "A Hugging Face ViTForImageClassification "
            + "safetensors file to refine (the paper preset's base model).")
    Path initHf;

    @Option(names = "--report", paramLabel = "FILE", description = "The Markdown report; figures go to figures/ "
            + "and the summary to results/summary.json beside it (default: docs/RESULTS.md for standard, "
            + "docs/<preset>/RESULTS.md for small and paper, <dir>/RESULTS.md for the smoke presets).")
    Path report;

    @Option(names = "--report-only", description = "Write the report from the units finished so far; train nothing.")
    boolean reportOnly;

    @Option(names = "--seeds", paramLabel = "N", description = "Override the preset's models per method.")
    Integer seeds;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
    boolean quiet;

    @Option(names = "--estimate", description = "Print the preset's estimated duration (calibrated, and scaled by "
            + "a two-second speed probe of this machine's training steps) and exit; train nothing.")
    boolean estimateOnly;

    /** Measures this machine's matrix products, recorded in the run's state; replaced in tests. */
    SpeedProbe probe = SpeedProbe.libtorch();

    /** Measures this machine's training steps for the estimate; replaced in tests. */
    SpeedProbe stepProbe = SpeedProbe.trainingStep();

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ExperimentSettings settings = ExperimentSettings.preset(preset);
        if (seeds != null) {
            settings = settings.withSeeds(seeds);
        }
        Path runDir = dir != null ? dir : Path.of("runs", "experiment-" + settings.preset());
        Path reportFile = report != null ? report : defaultReport(settings.preset(), runDir);
        String command = "layershuffle " + String.join(" ", spec.commandLine().getParseResult().originalArgs());

        if (estimateOnly) {
            printEstimate(settings, err);
            return 0;
        }

        DatasetSplits splits;
        Checkpoint initial = null;
        if (settings.preset().equals("paper")) {
            if (initHf == null) {
                throw new IllegalArgumentException("the paper preset refines a pre-trained ViT-B/16: give --init-hf "
                        + "FILE (google/vit-base-patch16-224's model.safetensors) and --data DIR (an ImageNet-style "
                        + "folder with train/ and val/)");
            }
            if (data.equals(FashionMnist.DEFAULT_DIRECTORY)) {
                throw new IllegalArgumentException("the paper preset needs --data DIR: an ImageNet-style folder");
            }
            Checkpoint hf = HuggingFaceVit.read(initHf);
            splits = ImageFolder.splits(data, hf.config().imageSize(), hf.config().channels(), 0);
            initial = FineTuning.adapt(hf, hf.config().toBuilder().classes(splits.classNames().size())
                    .labels(splits.classNames()).variant(Variant.BASELINE).build(),
                    FineTuning.Head.REINITIALIZE_IF_CLASSES_DIFFER, 0);
            settings = settings.withModel(initial.config());
        } else {
            int installed = DatasetInstall.ensureFashionMnist(data, host, err);
            if (installed != 0) {
                return installed;
            }
            splits = FashionMnist.splits(data);
        }

        Bars bars = new Bars(!quiet, err);
        double rate = reportOnly ? Double.NaN : probe.gflopsPerSecond();
        Experiment experiment = Experiment.builder().setSettings(settings).setData(splits).setDirectory(runDir)
                .optInitial(initial).optCommand(command).optListener(bars).optSpeedProbe(rate).build();
        ExperimentResult result;
        if (reportOnly) {
            result = experiment.collect();
        } else {
            err.printf(Locale.ROOT, "experiment %s in %s: %d units (finished ones are skipped)%n", settings.preset(),
                    runDir, experiment.unitNames().size());
            double search = CostEstimate.searchSeconds(settings).orElse(0);
            err.println(CostEstimate.describe(settings, stepProbe.gflopsPerSecond()) + (search > 0 ? String.format(Locale.ROOT,
                    ", and at most %.0f more (calibrated) for the recipe search", search / 60) : ""));
            err.flush();
            try {
                result = experiment.run();
            } finally {
                bars.bars.close();
            }
        }
        List<Path> files = ResultsReport.write(result, reportFile, command, MachineInfo.current());
        print(result, out);
        out.println();
        out.println("report:  " + files.get(0));
        out.println("figures: " + ResultsReport.figuresDirectory(reportFile));
        out.println("summary: " + ResultsReport.summaryFile(reportFile));
        out.println("run dir: " + result.directory() + (result.isComplete() ? ""
                : " (" + result.pending().size() + " units still to run)"));
        out.flush();
        return 0;
    }

    /**
     * Where a preset's report goes by default: the miniatures' into their run directory, {@code standard}'s
     * (the published one) to docs/RESULTS.md, any other preset's to docs/&lt;preset&gt;/RESULTS.md, so that running
     * one preset never overwrites another's report.
     */
    static Path defaultReport(String preset, Path runDir) {
        if (preset.endsWith("smoke")) {
            return runDir.resolve("RESULTS.md");
        }
        return preset.equals("standard") ? Path.of("docs", "RESULTS.md") : Path.of("docs", preset, "RESULTS.md");
    }

    /** Runs the speed probe and prints the calibrated estimate and the one scaled by the probe. */
    private void printEstimate(ExperimentSettings settings, PrintWriter err) {
        err.println(CostEstimate.describe(settings, stepProbe.gflopsPerSecond()));
        err.flush();
    }

    private static void print(ExperimentResult r, PrintWriter out) {
        Table t = new Table("Table 1: test accuracy, mean ± std over seeds (" + r.settings().preset() + " preset)",
                "method", "sequential", "arbitrary", "keep " + r.settings().quarterKeep() + " shuffled", "merged",
                "ensemble");
        Measurements m = r.measurements();
        for (Variant v : r.settings().methods()) {
            t.row(v.id(), cell(m, v, Measurements.SEQUENTIAL), cell(m, v, Measurements.ARBITRARY),
                    cell(m, v, Measurements.keep(r.settings().quarterKeep(), true)),
                    cell(m, v, v.shuffles() ? Measurements.MERGED_ARBITRARY : Measurements.MERGED_SEQUENTIAL),
                    cell(m, v, v.shuffles() ? Measurements.ENSEMBLE_ARBITRARY : Measurements.ENSEMBLE_SEQUENTIAL));
        }
        t.print(out);
    }

    private static String cell(Measurements m, Variant v, String metric) {
        return m.stat(v, metric).map(s -> s.percent()).orElse("-");
    }

    /** Progress on standard error: a line per unit, bars for training steps and evaluation batches. */
    private static final class Bars implements ExperimentListener {
        private final ProgressBars bars;
        private final PrintWriter err;
        private final TrainingBars training;

        Bars(boolean enabled, PrintWriter err) {
            this.bars = new ProgressBars(enabled);
            this.err = err;
            this.training = new TrainingBars(bars, err);
        }

        @Override
        public void unitStarted(String unit, int index, int total) {
            bars.close();
            err.printf(Locale.ROOT, "[%d/%d] %s%n", index, total, unit);
            err.flush();
        }

        @Override
        public void unitFinished(String unit, boolean ran, double seconds) {
            bars.close();
            if (ran) {
                err.printf(Locale.ROOT, "        %s done in %.0f s%n", unit, seconds);
                err.flush();
            }
        }

        @Override
        public ProgressListener training() {
            return training;
        }

        @Override
        public EvaluationListener evaluation() {
            return bars.evaluationListener();
        }

        @Override
        public SearchListener search() {
            return new SearchListener() {
                private long max;

                @Override
                public void budgetStarted(int budget, long maxEvaluations) {
                    max = maxEvaluations;
                }

                @Override
                public void generation(int budget, long generation, long evaluations, double bestAccuracy) {
                    bars.update("search k=" + budget, Math.min(evaluations, max), max,
                            String.format(Locale.ROOT, "best %.2f%% (gen %d)", 100 * bestAccuracy, generation));
                }

                @Override
                public void budgetDone(SearchResult r) {
                    bars.finish();
                    // as the report writes recipes: model seed (source + 1) and block
                    String recipe = String.join(" ", r.recipe().stream()
                            .map(b -> "s" + (b.source() + 1) + "/b" + b.block()).toList());
                    err.printf(Locale.ROOT, "        k=%d: validation %.2f%% after %d recipes in %.0f s: %s%n",
                            r.budget(), 100 * r.validation().accuracy(), r.evaluations(), r.seconds(), recipe);
                    err.flush();
                }
            };
        }
    }
}
