package io.github.layershuffle.cli.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.eval.SlotConfusion;
import io.github.layershuffle.train.training.EpochMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads the result files of finished units into an {@link ExperimentResult}. */
final class ResultFiles {
    /** The largest {@code metrics.jsonl} read for a learning curve (a line per epoch is far below it). */
    static final long MAX_METRICS_BYTES = 16L << 20;

    private ResultFiles() {
    }

    static ExperimentResult collect(ExperimentSettings settings, RunDirectory dir, List<String> unitNames) {
        Measurements measurements = new Measurements();
        Map<Variant, ExperimentResult.ProbePlot> plots = new LinkedHashMap<>();
        List<ExperimentResult.UnitTime> times = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        Map<String, List<Double>> epochSeconds = new LinkedHashMap<>();
        Map<String, List<Double>> curves = new LinkedHashMap<>();
        Map<String, List<Double>> positionCurves = new LinkedHashMap<>();
        Map<String, Integer> bestEpochs = new LinkedHashMap<>();
        Map<Variant, SlotConfusion> confusions = new LinkedHashMap<>();
        Map<Variant, ExperimentResult.SearchRun> searches = new LinkedHashMap<>();
        for (String unit : unitNames) {
            Optional<ObjectNode> read = dir.readResult(unit);
            if (read.isEmpty()) {
                pending.add(unit);
                continue;
            }
            ObjectNode r = read.get();
            times.add(new ExperimentResult.UnitTime(unit, r.path("seconds").asDouble(Double.NaN)));
            String kind = unit.substring(0, unit.indexOf('-'));
            String rest = unit.substring(kind.length() + 1);
            if (kind.equals("train")) {
                List<Double> seconds = new ArrayList<>();
                List<Double> curve = new ArrayList<>();
                List<Double> positions = new ArrayList<>();
                r.path("epochs").forEach(e -> {
                    seconds.add(e.path("seconds").asDouble());
                    curve.add(e.path("validationAccuracy").asDouble(Double.NaN));
                    if (e.has("validationPositionAccuracy")) {
                        positions.add(e.path("validationPositionAccuracy").asDouble());
                    }
                });
                epochSeconds.put(rest, seconds);
                curves.put(rest, curve);
                if (r.has("bestEpoch")) {
                    bestEpochs.put(rest, r.path("bestEpoch").asInt());
                }
                if (positions.isEmpty() && !rest.equals("base") && !rest.startsWith("control-")
                        && ExperimentResult.methodOf(rest).predictsPosition()) {
                    // units written before the curve was recorded: the trainer's own metrics.jsonl has it
                    positions.addAll(positionCurve(dir.root().resolve("train").resolve(rest).resolve("metrics.jsonl")));
                }
                if (!positions.isEmpty()) {
                    positionCurves.put(rest, positions);
                }
                continue;
            }
            // the Fig. 1b controls are baselines of fewer blocks; their metrics are named control<k>.*
            Variant method = rest.startsWith("control-") ? Variant.BASELINE : ExperimentResult.methodOf(rest);
            if (kind.equals("search")) {
                searches.put(method, searchRun(r));
            }
            JsonNode confusion = r.get("slotConfusion");
            if (confusion != null) {
                long[][] counts = new long[confusion.size()][confusion.size()];
                for (int a = 0; a < counts.length; a++) {
                    for (int p = 0; p < counts.length; p++) {
                        counts[a][p] = confusion.get(a).get(p).asLong();
                    }
                }
                SlotConfusion c = new SlotConfusion(counts);
                confusions.merge(method, c, SlotConfusion::plus);
            }
            Iterator<Map.Entry<String, JsonNode>> metrics = r.path("metrics").fields();
            String prefix = kind.equals("ort") ? Measurements.ORT : "";
            metrics.forEachRemaining(e -> measurements.add(method, prefix + e.getKey(), e.getValue().asDouble()));
            Iterator<Map.Entry<String, JsonNode>> values = r.path("values").fields();
            values.forEachRemaining(e -> e.getValue().forEach(v -> measurements.add(method, e.getKey(), v.asDouble())));
            JsonNode plot = r.get("plot");
            if (plot != null && !plots.containsKey(method)) {
                int n = plot.path("x").size();
                double[][] xy = new double[n][2];
                int[] slots = new int[n];
                for (int i = 0; i < n; i++) {
                    xy[i][0] = plot.path("x").get(i).asDouble();
                    xy[i][1] = plot.path("y").get(i).asDouble();
                    slots[i] = plot.path("slot").get(i).asInt();
                }
                plots.put(method, new ExperimentResult.ProbePlot(plot.path("block").asInt(), xy, slots));
            }
        }
        return new ExperimentResult(settings, dir.root(), measurements, plots, times, pending, epochSeconds,
                dir.invocations(), curves, positionCurves, bestEpochs, confusions, searches);
    }

    private static ExperimentResult.SearchRun searchRun(JsonNode r) {
        List<ExperimentResult.SearchBudget> budgets = new ArrayList<>();
        for (JsonNode b : r.path("budgets")) {
            List<ExperimentResult.Slot> recipe = new ArrayList<>();
            b.path("recipe").forEach(s -> recipe.add(new ExperimentResult.Slot(s.path("seed").asInt(),
                    s.path("block").asInt())));
            budgets.add(new ExperimentResult.SearchBudget(b.path("budget").asInt(), recipe,
                    b.path("evaluations").asLong(), b.path("generations").asLong(),
                    b.path("searchSeconds").asDouble(Double.NaN), b.path("stoppedBy").asText()));
        }
        return new ExperimentResult.SearchRun(r.path("models").asInt(), r.path("stemAndHead").asText(),
                r.path("validationImages").asInt(), r.path("testImages").asInt(), r.path("finished").asText(),
                budgets);
    }

    /**
     * The slot accuracy ({@link EpochMetrics#validationPositionAccuracy()}) of each epoch of a trainer's
     * {@code metrics.jsonl}, in order; empty if the file is missing or an epoch has none (a variant without
     * slots, or no validation data).
     *
     * @throws LayerShuffleException naming the file and the limit if it is larger than {@link #MAX_METRICS_BYTES},
     *                               or the file and the line if a line is not an epoch's metrics
     */
    static List<Double> positionCurve(Path metrics) {
        List<String> lines;
        try {
            if (!Files.isRegularFile(metrics)) {
                return List.of();
            }
            long size = Files.size(metrics);
            if (size > MAX_METRICS_BYTES) {
                throw new LayerShuffleException(metrics + " holds " + size + " bytes, more than the "
                        + MAX_METRICS_BYTES + " read for a learning curve");
            }
            lines = Files.readAllLines(metrics);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read " + metrics + ": " + e.getMessage(), e);
        }
        List<Double> curve = new ArrayList<>();
        for (int n = 0; n < lines.size(); n++) {
            if (lines.get(n).isBlank()) {
                continue;
            }
            EpochMetrics epoch;
            try {
                epoch = EpochMetrics.fromJson(lines.get(n));
            } catch (LayerShuffleException e) {
                throw new LayerShuffleException(metrics + " line " + (n + 1) + ": " + e.getMessage(), e);
            }
            if (Double.isNaN(epoch.validationPositionAccuracy())) {
                return List.of();
            }
            curve.add(epoch.validationPositionAccuracy());
        }
        return curve;
    }
}
