package io.github.layershuffle.cli.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The layout of an experiment's run directory and its atomic JSON files. A unit of work (a training or an
 * evaluation) is done exactly when its result file {@code results/<unit>.json} exists; result files are
 * written to a temporary sibling and renamed, so a crash never leaves a half-written one.
 *
 * <pre>
 * state.json                 settings, and one entry per invocation: units run, units skipped
 * base/                      the sequential base model's training run (best.safetensors, ...)
 * train/&lt;method&gt;-s&lt;seed&gt;/    each fine-tuning run
 * train/control-d&lt;k&gt;/       each Fig. 1b control (the base's first k blocks, refined)
 * exports/&lt;method&gt;-s&lt;seed&gt;/  ONNX exports of the ORT methods, and of the searched methods' models
 * search/&lt;method&gt;/          each recipe search's recipes (recipe-k03.yaml, ...), summary.json, search.md, search.png
 * results/&lt;unit&gt;.json        each finished unit's result
 * </pre>
 */
final class RunDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** The invocation's field for its {@link SpeedProbe} rate, GFLOP/s; absent in states written before it. */
    static final String PROBE_FIELD = "probeGflopsPerSecond";

    private final Path root;

    RunDirectory(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    Path root() {
        return root;
    }

    Path base() {
        return root.resolve("base");
    }

    Path training(Variant method, int seed) {
        return root.resolve("train").resolve(name(method, seed));
    }

    /** The training run of the Fig. 1b control of {@code depth} blocks. */
    Path control(int depth) {
        return root.resolve("train").resolve("control-d" + depth);
    }

    Path export(Variant method, int seed) {
        return root.resolve("exports").resolve(name(method, seed));
    }

    /** The files of the recipe search over {@code method}'s models. */
    Path search(Variant method) {
        return root.resolve("search").resolve(method.id());
    }

    Path result(String unit) {
        return root.resolve("results").resolve(unit + ".json");
    }

    Path state() {
        return root.resolve("state.json");
    }

    /** The invocations recorded in the state file that ran at least one unit. */
    List<ExperimentResult.Invocation> invocations() {
        List<ExperimentResult.Invocation> out = new ArrayList<>();
        if (!Files.isRegularFile(state())) {
            return out;
        }
        for (JsonNode i : read(state()).path("invocations")) {
            int ran = i.path("unitsRun").size();
            if (ran > 0) {
                out.add(new ExperimentResult.Invocation(i.path("started").asText(), i.path("command").asText(), ran,
                        i.path("threads").asText("").strip(), i.path(PROBE_FIELD).asDouble(Double.NaN),
                        wallSeconds(i)));
            }
        }
        return out;
    }

    /**
     * Seconds from an invocation's {@code started} to its {@code finished}, or {@code NaN} if either is missing (it
     * did not finish) or unreadable.
     */
    private static double wallSeconds(JsonNode invocation) {
        try {
            Instant start = Instant.parse(invocation.path("started").asText());
            Instant end = Instant.parse(invocation.path("finished").asText());
            return Duration.between(start, end).toNanos() / 1e9;
        } catch (DateTimeParseException e) {
            return Double.NaN;
        }
    }

    static String name(Variant method, int seed) {
        return method.id() + "-s" + seed;
    }

    boolean isDone(String unit) {
        return Files.isRegularFile(result(unit));
    }

    Optional<ObjectNode> readResult(String unit) {
        Path file = result(unit);
        return Files.isRegularFile(file) ? Optional.of((ObjectNode) read(file)) : Optional.empty();
    }

    void writeResult(String unit, ObjectNode result) {
        result.put("unit", unit);
        result.put("finished", Instant.now().toString());
        write(result(unit), result);
    }

    /**
     * Checks the settings against the state file (refusing a directory made with other settings) and
     * records that a new invocation started, with its speed probe's rate unless that is {@code NaN}; returns the
     * state to update. A field of {@code addedFields} that the stored settings lack takes its value from
     * {@code settings} (see {@link ExperimentSettings#ADDED_FIELDS}); the invocation records which ones did.
     */
    ObjectNode openState(ObjectNode settings, String command, List<String> addedFields, double probeGflops) {
        ObjectNode state;
        List<String> completed = new ArrayList<>();
        if (Files.isRegularFile(state())) {
            state = (ObjectNode) read(state());
            JsonNode before = state.get("settings");
            if (before instanceof ObjectNode stored) {
                ObjectNode filled = stored.deepCopy();
                for (String f : addedFields) {
                    if (!filled.has(f) && settings.has(f)) {
                        filled.set(f, settings.get(f));
                        completed.add(f);
                    }
                }
                before = filled;
            }
            if (before != null && !before.equals(settings)) {
                throw new LayerShuffleException("run directory " + root + " was made with other settings: "
                        + difference(before, settings) + "; use another --dir, or delete it to start over");
            }
            if (!completed.isEmpty()) {
                LOG.info("{} predates the settings {}; they take this run's values", state(), completed);
            }
        } else {
            state = JSON.createObjectNode();
            state.put("format", "layershuffle-experiment-state");
            state.put("version", 1);
        }
        state.set("settings", settings);
        ArrayNode invocations = state.withArray("invocations");
        ObjectNode now = invocations.addObject();
        now.put("started", Instant.now().toString());
        now.put("command", command);
        // how PyTorch shares the cores decides the times the results record
        String omp = System.getenv("OMP_NUM_THREADS");
        String djl = System.getProperty("ai.djl.pytorch.num_threads");
        now.put("threads", (omp == null ? "" : "OMP_NUM_THREADS=" + omp + " ")
                + (djl == null ? "" : "ai.djl.pytorch.num_threads=" + djl).strip());
        if (!Double.isNaN(probeGflops)) {
            now.put(PROBE_FIELD, probeGflops);
        }
        if (!completed.isEmpty()) {
            ArrayNode added = now.putArray("settingsAdded");
            completed.forEach(added::add);
        }
        now.putArray("unitsRun");
        now.putArray("unitsSkipped");
        write(state(), state);
        return state;
    }

    /** Appends a unit to the current invocation's list of run or skipped units and saves the state. */
    void recordUnit(ObjectNode state, String unit, boolean ran, double seconds) {
        ArrayNode invocations = (ArrayNode) state.get("invocations");
        ObjectNode now = (ObjectNode) invocations.get(invocations.size() - 1);
        if (ran) {
            ObjectNode u = ((ArrayNode) now.get("unitsRun")).addObject();
            u.put("unit", unit);
            u.put("seconds", seconds);
        } else {
            ((ArrayNode) now.get("unitsSkipped")).add(unit);
        }
        write(state(), state);
    }

    void finishState(ObjectNode state) {
        ArrayNode invocations = (ArrayNode) state.get("invocations");
        ((ObjectNode) invocations.get(invocations.size() - 1)).put("finished", Instant.now().toString());
        write(state(), state);
    }

    private static String difference(JsonNode before, JsonNode now) {
        StringBuilder b = new StringBuilder();
        before.fieldNames().forEachRemaining(f -> {
            if (!before.get(f).equals(now.get(f))) {
                b.append(b.isEmpty() ? "" : ", ").append(f).append(" was ").append(before.get(f)).append(", now ")
                        .append(now.has(f) ? now.get(f).toString() : "absent");
            }
        });
        now.fieldNames().forEachRemaining(f -> {
            if (!before.has(f)) {
                b.append(b.isEmpty() ? "" : ", ").append(f).append(" was absent, now ").append(now.get(f));
            }
        });
        return b.isEmpty() ? "fields differ" : b.toString();
    }

    static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes JSON to a temporary sibling and renames it over {@code file}. */
    static void write(Path file, JsonNode node) {
        try {
            writeBytes(file, JSON.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes bytes to a temporary sibling and renames it over {@code file}. */
    static void writeBytes(Path file, byte[] bytes) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
            try {
                Files.write(tmp, bytes);
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
