package io.github.layershuffle.cli.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.eval.Stat;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.SpeedProbe;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.cli.experiment.Measurements;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

/**
 * Writes an experiment's report: a Markdown file with every table (the recipe search's too) (each naming the command, machine and date,
 * with the paper's ImageNet figures beside ours and generated sentences where they disagree), PNG figures in
 * {@code figures/} next to it, and {@code results/summary.json} ({@code method -> metric -> {mean, std, n}}).
 *
 * <pre>{@code
 * ResultsReport.write(result, Path.of("docs/RESULTS.md"), "layershuffle experiment --preset small",
 *         MachineInfo.current());
 * }</pre>
 */
public final class ResultsReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ResultsReport() {
    }

    /** Where the figures of a report at {@code report} go: {@code figures/} beside it. */
    public static Path figuresDirectory(Path report) {
        return report.toAbsolutePath().getParent().resolve("figures");
    }

    /** Where the summary of a report at {@code report} goes: {@code results/summary.json} beside it. */
    public static Path summaryFile(Path report) {
        return report.toAbsolutePath().getParent().resolve("results").resolve("summary.json");
    }

    /**
     * Writes the report, its figures and the summary JSON (each atomically).
     *
     * @return the files written
     * @throws LayerShuffleException if a file cannot be written
     */
    public static List<Path> write(ExperimentResult result, Path report, String command, MachineInfo machine) {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(report, "report");
        Path figures = figuresDirectory(report);
        List<Path> written = new ArrayList<>();
        ExperimentSettings s = result.settings();
        Path table1 = figures.resolve("table1.png");
        Charts.table1(result, table1);
        Path pruneSeq = figures.resolve("pruning-sequential.png");
        Charts.pruning(result, false, pruneSeq);
        Path pruneShuffled = figures.resolve("pruning-shuffled.png");
        Charts.pruning(result, true, pruneShuffled);
        Path merges = figures.resolve("merges.png");
        Charts.merges(result, merges);
        Path curves = figures.resolve("curves.png");
        Charts.curves(result, curves);
        written.addAll(List.of(table1, pruneSeq, pruneShuffled, merges, curves));
        for (Map.Entry<Variant, ExperimentResult.ProbePlot> e : result.probePlots().entrySet()) {
            Path png = figures.resolve("probe-pca-" + e.getKey().id() + ".png");
            Charts.probe(e.getValue(), e.getKey(), s.model().depth(), png);
            written.add(png);
        }
        written.addAll(SearchSection.figures(result, figures));
        Path summary = summaryFile(report);
        try {
            atomic(summary, JSON.writeValueAsBytes(result.measurements().toJson()));
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write " + summary + ": " + e.getMessage(), e);
        }
        written.add(summary);
        String md = markdown(result, report, command, machine, written);
        atomic(report, md.getBytes(StandardCharsets.UTF_8));
        written.add(0, report.toAbsolutePath());
        return written;
    }

    private static String markdown(ExperimentResult r, Path report, String command, MachineInfo machine,
                                   List<Path> files) {
        ExperimentSettings s = r.settings();
        Measurements m = r.measurements();
        Findings findings = new Findings(r);
        Path base = report.toAbsolutePath().getParent();
        String date = ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z", Locale.ROOT));
        String provenance = provenance(r, command, machine, date);
        List<String> runCommands = runCommands(r);
        StringBuilder b = new StringBuilder();
        b.append("# LayerShuffle at small scale: results (preset `").append(s.preset()).append("`)\n\n");
        b.append(provenance).append(" Run directory: `").append(shown(r.directory())).append("`.\n\n");
        if (!r.invocations().isEmpty()) {
            b.append("Invocations that ran units:\n\n");
            r.invocations().forEach(i -> b.append("- ").append(i.started()).append(": `").append(i.command())
                    .append("` ran ").append(i.unitsRun()).append(" unit(s)")
                    .append(Double.isNaN(i.wallSeconds()) ? " (did not finish)"
                            : String.format(Locale.ROOT, " in %.1f min", i.wallSeconds() / 60))
                    .append(i.threads().isEmpty() ? "" : " with " + i.threads())
                    .append(Double.isNaN(i.probeGflopsPerSecond()) ? "" : String.format(Locale.ROOT,
                            "; speed probe (%s product) %.1f GFLOP/s", SpeedProbe.shape(), i.probeGflopsPerSecond()))
                    .append("\n"));
            b.append("\n");
        }
        if (!r.isComplete()) {
            b.append("**Partial results**: ").append(r.units().size()).append(" of ")
                    .append(r.units().size() + r.pending().size()).append(" units finished; still to run: ")
                    .append(String.join(", ", r.pending().subList(0, Math.min(8, r.pending().size()))))
                    .append(r.pending().size() > 8 ? ", ..." : "").append(". Rerun the same command to resume.\n\n");
        }
        b.append("Accuracies are top-1 on ").append(s.testImages() == Integer.MAX_VALUE ? "all" : s.testImages())
                .append(" test images, mean ± standard deviation over the fine-tuning seeds (n = number of models). "
                        + "*Arbitrary* = a fresh random block order for every batch of ").append(s.evalBatchSize())
                .append(" images, averaged over ").append(s.evalSeeds()).append(" evaluation seeds. The paper's numbers "
                        + "are ImageNet2012 with ViT-B/16 (top-1, 5 models), quoted from its text.\n\n");
        setup(b, r);
        new AnswersSection(r).append(b);

        b.append("## Table 1: sequential vs arbitrary order\n\n").append(provenance).append("\n\n");
        boolean top5 = s.model().classes() >= 100;
        b.append("| method | sequential (DJL) | sequential (ORT) | arbitrary (DJL) | arbitrary (ORT) | paper sequential"
                + " | paper arbitrary |").append(top5 ? " sequential, top-5 | arbitrary, top-5 |" : "")
                .append("\n|---|---|---|---|---|---|---|").append(top5 ? "---|---|" : "").append("\n");
        for (Variant v : s.methods()) {
            String tail = top5 ? " " + cell(m, v, Measurements.top5(Measurements.SEQUENTIAL)) + " | "
                    + cell(m, v, Measurements.top5(Measurements.ARBITRARY)) + " |" : "";
            b.append("| ").append(v.id()).append(" | ").append(cell(m, v, Measurements.SEQUENTIAL)).append(" | ")
                    .append(cell(m, v, Measurements.ORT + Measurements.SEQUENTIAL)).append(" | ")
                    .append(cell(m, v, Measurements.ARBITRARY)).append(" | ")
                    .append(cell(m, v, Measurements.ORT + Measurements.ARBITRARY)).append(" | ")
                    .append(PaperNumbers.table1Sequential(v).map(PaperNumbers.Quote::text).orElse("not in Table 1"))
                    .append(" | ")
                    .append(PaperNumbers.table1Arbitrary(v).map(PaperNumbers.Quote::text).orElse("not in Table 1"))
                    .append(" |").append(tail).append("\n");
        }
        b.append("\n").append(image(base, files, "table1.png", "Table 1 as bars"));
        findings.ortGap().ifPresent(g -> b.append(String.format(Locale.ROOT, "ORT = the exported ONNX blocks run by "
                + "`LayerShuffleModel` (composed ONNX Runtime sessions) under the same plans as the DJL evaluation; "
                + "the largest DJL–ORT difference over all metrics measured both ways is %.2f points.%n%n", g)));

        b.append("## Pruning: accuracy vs blocks kept (paper Fig. 1b, 1c)\n\n").append(provenance).append("\n\n");
        for (boolean shuffled : new boolean[] {false, true}) {
            b.append(shuffled ? "Random order (`random().keep(k)`: k random blocks in random order):\n\n"
                    : "Original order (`sequential().keep(k)`: the first k blocks):\n\n");
            b.append("| method |");
            s.keeps().forEach(k -> b.append(" ").append(k).append(k == 1 ? " block |" : " blocks |"));
            b.append("\n|---|").append("---|".repeat(s.keeps().size())).append("\n");
            for (Variant v : s.methods()) {
                pruningRow(b, m, s, v, v.id() + " (DJL)", "", shuffled);
                if (!m.values(v, Measurements.ORT + Measurements.keep(s.keeps().get(0), shuffled)).isEmpty()) {
                    pruningRow(b, m, s, v, v.id() + " (ORT)", Measurements.ORT, shuffled);
                }
            }
            b.append("\nPaper: ").append(shuffled ? PaperNumbers.PRUNING_SHUFFLED : PaperNumbers.PRUNING_SEQUENTIAL)
                    .append(".\n\n");
            b.append(image(base, files, shuffled ? "pruning-shuffled.png" : "pruning-sequential.png",
                    shuffled ? "Fig. 1c" : "Fig. 1b"));
        }
        b.append("### What agrees with the paper and what does not\n\n");
        findings.orderAndPruning().forEach(f -> b.append("- ").append(f).append("\n"));
        b.append("\n");

        b.append("## Table 2: merged (Frankenstein) models and logit ensembles\n\n").append(provenance).append("\n\n");
        int depth = s.model().depth();
        b.append("The merges: ").append(s.merges()).append(" random merges for each of ")
                .append(String.join(", ", s.mergeMethods().stream().map(Variant::id).toList()))
                .append("; slot i takes block i of a model drawn so that no two slots share a model while models last ("
                        + "with ").append(s.mergeModels()).append(" models for ").append(depth).append(" slots, ")
                .append(s.mergeModels() >= depth ? "every slot comes from a different model, as in the paper"
                        : "each model fills about " + Math.max(1, depth / s.mergeModels()) + " slots; the paper had 12 "
                                + "models for 12 layers")
                .append("); stem and head always from model 1 (seed 1). Each merge is measured in its method's own "
                        + "order, as the paper's Table 2: slot order for the baseline and LayerDrop, a fresh random order"
                        + " per batch for the shuffling methods. Top-1 and top-5 are mean ± std over the merges. The "
                        + "ensemble averages the logits of all of a method's models.\n\n");
        b.append("| method | models | single, sequential | single, arbitrary | merged, top-1 | merged, top-5 | "
                + "ensemble, sequential | ensemble, arbitrary |\n|---|---|---|---|---|---|---|---|\n");
        for (Variant v : s.methods()) {
            String merged = v.shuffles() ? Measurements.MERGED_ARBITRARY : Measurements.MERGED_SEQUENTIAL;
            b.append("| ").append(v.id()).append(" | ").append(s.models(v));
            for (String metric : List.of(Measurements.SEQUENTIAL, Measurements.ARBITRARY, merged,
                    Measurements.top5(merged), Measurements.ENSEMBLE_SEQUENTIAL, Measurements.ENSEMBLE_ARBITRARY)) {
                b.append(" | ").append(cell(m, v, metric));
            }
            b.append(" |\n");
        }
        b.append("\nPaper (Table 2, top-1): ViT-B/16 merged ").append(PaperNumbers.MERGED_BASELINE.text())
                .append(" (sequential); LayerShuffle merged ").append(PaperNumbers.MERGED_LAYERSHUFFLE.text())
                .append(" (arbitrary); LayerShuffle Ensemble ").append(PaperNumbers.ENSEMBLE_LAYERSHUFFLE.text())
                .append(" (arbitrary).\n\n").append(image(base, files, "merges.png", "every merge's accuracy (Fig. 5)"));

        b.append("## Position prediction and the linear probe of the slot (paper Sec. 4.1, 4.3, Fig. 4)\n\n")
                .append(provenance).append("\n\n");
        b.append("| method | slot predicted right, sequential | slot predicted right, arbitrary | linear probe of the"
                + " slot | probe chance |\n|---|---|---|---|---|\n");
        for (Variant v : s.methods()) {
            if (m.values(v, Measurements.PROBE).isEmpty() && m.values(v, Measurements.POSITION_ARBITRARY).isEmpty()) {
                continue;
            }
            b.append("| ").append(v.id()).append(" | ").append(cell(m, v, Measurements.POSITION_SEQUENTIAL))
                    .append(" | ").append(cell(m, v, Measurements.POSITION_ARBITRARY)).append(" | ")
                    .append(cell(m, v, Measurements.PROBE)).append(" | ").append(cell(m, v, Measurements.PROBE_CHANCE))
                    .append(" |\n");
        }
        b.append("\nThe probe: ").append(s.probeImages()).append(" test images run in batches of 8, each batch in a "
                + "fresh random order; for every block, the mean over tokens of its output is labelled with the slot"
                + " it ran in; a multinomial logistic regression (plain Java) is fitted on half and scored on the "
                + "other half; the table gives the mean over blocks. Paper: position predicted right in ")
                .append(PaperNumbers.POSITION_PREDICTION.text()).append(" of cases; UMAP: ").append(PaperNumbers.PROBE)
                .append(".\n\n");
        // in the settings' order: the result's map has none (a copy), and a report must not change between runs
        for (Variant v : s.probeMethods().stream().filter(r.probePlots()::containsKey).toList()) {
            b.append(image(base, files, "probe-pca-" + v.id() + ".png", v.id() + " block outputs by slot"));
        }
        b.append("### What agrees with the paper and what does not\n\n");
        findings.mergesAndProbe().forEach(f -> b.append("- ").append(f).append("\n"));
        b.append("\n");
        DiagnosticsSection.append(b, r, provenance, image(base, files, "curves.png", "validation accuracy per epoch"));
        SearchSection.append(b, r, provenance, name -> image(base, files, name, "searched recipes vs fixed policies, "
                + "by blocks and by latency"));
        timing(b, r);
        b.append("## Reproduce\n\n```\n").append(String.join("\n", runCommands.isEmpty() ? List.of(command)
                : runCommands)).append("\n```\n\nRerunning resumes: finished units (a "
                + "training or an evaluation) are skipped, an interrupted training continues at its last epoch. "
                + "The numbers above are also in `").append(rel(base, summaryFile(report))).append("`.\n");
        return b.toString();
    }

    private static void setup(StringBuilder b, ExperimentResult r) {
        ExperimentSettings s = r.settings();
        ModelConfig c = s.model();
        b.append("## Setup\n\n| setting | value |\n|---|---|\n");
        b.append("| model | ViT, ").append(c.imageSize()).append("x").append(c.imageSize()).append("x")
                .append(c.channels()).append(", patch ").append(c.patchSize()).append(" (").append(c.tokenCount())
                .append(" tokens), width ").append(c.width()).append(", ").append(c.depth()).append(" blocks, ")
                .append(c.heads()).append(" heads, MLP ").append(c.mlpWidth()).append(", ").append(c.classes())
                .append(" classes |\n");
        b.append("| data | ").append(n(s.trainImages())).append(" training images (seeded subset), ")
                .append(n(s.validationImages())).append(" validation images (model selection), ")
                .append(n(s.testImages())).append(" test images |\n");
        b.append("| base model | ").append(s.baseEpochs() == 0 ? "imported weights, no base training"
                : s.baseEpochs() + " epoch(s), sequential, Adam lr " + s.baseLearningRate() + " with warm-up and cosine"
                        + (s.baseWeightDecay() > 0 ? ", weight decay " + s.baseWeightDecay() : ""))
                .append(", batch ").append(s.batchSize()).append(" |\n");
        b.append("| fine-tuning | ").append(s.fineTuneEpochs()).append(" epoch(s) per model, Adam (0.9, 0.999, 1e-6) lr ")
                .append(s.fineTuneLearningRate()).append(s.fineTuneLinearDecay() ? " falling linearly to 0" : " constant")
                .append(", best epoch by validation loss, LayerDrop p = ")
                .append(c.layerDropRate()).append(" |\n");
        b.append("| seeds | ").append(s.seeds()).append(" fine-tuned models per method fully measured")
                .append(s.mergeModels() > s.seeds() ? "; " + s.mergeModels() + " each of "
                        + String.join(", ", s.mergeMethods().stream().map(Variant::id).toList())
                        + " for merges, ensembles and divergence" : "").append("; ").append(s.evalSeeds())
                .append(" evaluation seeds per random-order measurement, their plans drawn from a stream apart from "
                        + "the training seeds' |\n");
        b.append("| controls | ").append(s.controlDepths().isEmpty() ? "none" : s.controlDepths() + " blocks, refined "
                + "sequentially from the base's first blocks").append(" |\n\n");
    }

    /**
     * "Run by ... on ..., date.": the commands the invocations recorded (and the report's, if it is another), the
     * machine, and the thread settings: the invocations' own where they recorded them (listed below the line),
     * else this process's.
     */
    static String provenance(ExperimentResult r, String command, MachineInfo machine, String date) {
        List<String> runCommands = runCommands(r);
        String runBy = runCommands.isEmpty() ? "`" + command + "`"
                : String.join(" and ", runCommands.stream().map(c -> "`" + c + "`").toList());
        // the threads that measured the numbers are the invocations' own, not this (report) process's
        MachineInfo shown = r.invocations().stream().anyMatch(i -> !i.threads().isEmpty())
                ? machine.withThreads("PyTorch threads as each invocation below lists") : machine;
        return "Run by " + runBy + (runCommands.contains(command) ? "" : " (report by `" + command + "`)") + " on "
                + shown.describe() + ", " + date + ".";
    }

    private static List<String> runCommands(ExperimentResult r) {
        return r.invocations().stream().map(ExperimentResult.Invocation::command).distinct().toList();
    }

    static void timing(StringBuilder b, ExperimentResult r) {
        b.append("## Swarm inference under faults\n\nBlocks of these models served by gRPC nodes that are killed and "
                + "restarted while the test set runs: [SWARM.md](SWARM.md) (made by samples/swarm's bench, not by "
                + "this command).\n\n");
        b.append("## Time taken\n\n");
        double total = r.units().stream().mapToDouble(ExperimentResult.UnitTime::seconds).filter(Double::isFinite).sum();
        List<Double> base = r.epochSeconds().getOrDefault("base", List.of());
        List<Double> fine = new ArrayList<>();
        r.epochSeconds().forEach((k, v) -> {
            if (!k.equals("base")) {
                fine.addAll(v);
            }
        });
        b.append(String.format(Locale.ROOT, "Finished units took %,.0f s (%.0f min) in all, on the threads each "
                + "invocation above lists. ", total, total / 60));
        if (!base.isEmpty()) {
            b.append(String.format(Locale.ROOT, "A base-training epoch took %.0f s on average (%d epochs). ",
                    base.stream().mapToDouble(Double::doubleValue).average().orElse(0), base.size()));
        }
        if (!fine.isEmpty()) {
            b.append(String.format(Locale.ROOT, "A fine-tuning epoch took %.0f s on average (%d epochs). ",
                    fine.stream().mapToDouble(Double::doubleValue).average().orElse(0), fine.size()));
        }
        b.append("Epochs include the validation pass.\n\n");
        StringBuilder t = new StringBuilder();
        double search = r.units().stream().filter(u -> u.unit().startsWith("search-"))
                .mapToDouble(ExperimentResult.UnitTime::seconds).filter(Double::isFinite).sum();
        if (search > 0) {
            t.append(String.format(Locale.ROOT, "The protocol's units took %.0f min, the recipe search %.0f min. ",
                    (total - search) / 60, search / 60));
        }
        boolean allFinished = !r.invocations().isEmpty()
                && r.invocations().stream().allMatch(i -> Double.isFinite(i.wallSeconds()));
        double wall = r.invocations().stream().mapToDouble(ExperimentResult.Invocation::wallSeconds).sum();
        if (allFinished) {
            t.append(String.format(Locale.ROOT, "From start to end the invocations took %.0f min (building, the speed "
                    + "probe and loading data included). ", wall / 60));
        }
        OptionalInt bound = r.settings().minutesBound();
        if (bound.isPresent() && r.isComplete()) {
            double minutes = (allFinished ? wall : total) / 60;
            t.append(String.format(Locale.ROOT, "The preset is meant to finish within %d minutes on 2 cores: %s "
                    + "(%.0f min, %s, on the machine and threads above, whose speed the invocations' matrix-product "
                    + "probes record).",
                    bound.getAsInt(), minutes <= bound.getAsInt() ? "met" : "not met", minutes,
                    allFinished ? "start to end" : "the units' time, as some invocations did not finish"));
        }
        if (!t.isEmpty()) {
            b.append(t.toString().strip()).append("\n\n");
        }
    }

    private static void pruningRow(StringBuilder b, Measurements m, ExperimentSettings s, Variant v, String label,
                                   String prefix, boolean shuffled) {
        b.append("| ").append(label).append(" |");
        for (int k : s.keeps()) {
            b.append(" ").append(cell(m, v, prefix + Measurements.keep(k, shuffled))).append(" |");
        }
        b.append("\n");
    }

    /** A table cell: mean ± std in percent with the count, or a dash when there is no value. */
    static String cell(Measurements m, Variant v, String metric) {
        Optional<Stat> s = m.stat(v, metric);
        return s.map(st -> st.count() == 1 ? String.format(Locale.ROOT, "%.2f (n=1)", 100 * st.mean())
                : String.format(Locale.ROOT, "%.2f ± %.2f (n=%d)", 100 * st.mean(), 100 * st.std(), st.count()))
                .orElse("—");
    }

    private static String n(int v) {
        return v == Integer.MAX_VALUE ? "all" : String.format(Locale.ROOT, "%,d", v);
    }

    private static String image(Path base, List<Path> files, String name, String alt) {
        Function<Path, Boolean> is = p -> p.getFileName().toString().equals(name);
        return files.stream().filter(is::apply).findFirst()
                .map(p -> "![" + alt + "](" + rel(base, p) + ")\n\n").orElse("");
    }

    private static String rel(Path base, Path file) {
        return base.relativize(file.toAbsolutePath()).toString().replace('\\', '/');
    }

    private static void atomic(Path file, byte[] bytes) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                Files.write(tmp, bytes);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** The run directory relative to the working directory when it lies below it, so reports hold no local paths. */
    private static String shown(java.nio.file.Path dir) {
        java.nio.file.Path cwd = java.nio.file.Path.of("").toAbsolutePath();
        java.nio.file.Path abs = dir.toAbsolutePath().normalize();
        return abs.startsWith(cwd) ? cwd.relativize(abs).toString() : abs.toString();
    }
}
