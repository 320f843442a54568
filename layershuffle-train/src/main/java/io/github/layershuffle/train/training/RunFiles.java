package io.github.layershuffle.train.training;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.checkpoint.AtomicFiles;
import io.github.layershuffle.api.checkpoint.Safetensors;
import io.github.layershuffle.api.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files of a run directory: {@code best.safetensors}, {@code last.safetensors},
 * {@code last-optimizer.safetensors} (Adam's moments), {@code training-state.json} and
 * {@code metrics.jsonl}. Every file is replaced atomically.
 */
final class RunFiles {
    static final String OPTIMIZER_FORMAT = "layershuffle-optimizer-state";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    RunFiles(Path dir) {
        this.dir = dir;
    }

    Path best() {
        return dir.resolve("best.safetensors");
    }

    Path last() {
        return dir.resolve("last.safetensors");
    }

    Path optimizer() {
        return dir.resolve("last-optimizer.safetensors");
    }

    Path state() {
        return dir.resolve("training-state.json");
    }

    Path metrics() {
        return dir.resolve("metrics.jsonl");
    }

    void writeOptimizer(AdamOptimizer.State state, int epoch) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", OPTIMIZER_FORMAT);
        meta.put("version", "1");
        meta.put("epoch", Integer.toString(epoch));
        try {
            meta.put("steps", JSON.writeValueAsString(state.steps()));
        } catch (IOException e) {
            throw new LayerShuffleException("cannot encode optimizer steps", e);
        }
        Safetensors.write(optimizer(), meta, state.tensors().values());
    }

    /** The saved optimiser state if it exists and belongs to {@code epoch}. */
    Optional<AdamOptimizer.State> readOptimizer(int epoch) {
        if (!Files.isRegularFile(optimizer())) {
            return Optional.empty();
        }
        SafetensorsFile file = Safetensors.read(optimizer());
        Map<String, String> meta = file.metadata();
        if (!OPTIMIZER_FORMAT.equals(meta.get("format")) || !Integer.toString(epoch).equals(meta.get("epoch"))) {
            return Optional.empty();
        }
        try {
            Map<String, Integer> steps = JSON.readValue(meta.get("steps"), new TypeReference<>() { });
            return Optional.of(new AdamOptimizer.State(steps, file.tensors()));
        } catch (IOException | IllegalArgumentException e) {
            throw new LayerShuffleException(optimizer() + ": metadata 'steps' is not valid: " + e.getMessage(), e);
        }
    }

    void writeState(Map<String, String> state) {
        try {
            AtomicFiles.writeString(state(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write " + state() + ": " + e.getMessage(), e);
        }
    }

    /** The metrics lines of epochs up to {@code epochs}; the file is rewritten without later ones. */
    List<EpochMetrics> keepMetricsUpTo(int epochs) {
        List<EpochMetrics> kept = new ArrayList<>();
        if (Files.isRegularFile(metrics())) {
            try {
                for (String line : Files.readAllLines(metrics(), StandardCharsets.UTF_8)) {
                    if (!line.isBlank()) {
                        EpochMetrics m = EpochMetrics.fromJson(line);
                        if (m.epoch() <= epochs) {
                            kept.add(m);
                        }
                    }
                }
            } catch (IOException e) {
                throw new LayerShuffleException("cannot read " + metrics() + ": " + e.getMessage(), e);
            }
        }
        StringBuilder text = new StringBuilder();
        kept.forEach(m -> text.append(m.toJson()).append('\n'));
        try {
            AtomicFiles.writeString(metrics(), text.toString());
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write " + metrics() + ": " + e.getMessage(), e);
        }
        return kept;
    }

    void appendMetrics(EpochMetrics m) {
        try {
            Files.writeString(metrics(), m.toJson() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot append to " + metrics() + ": " + e.getMessage(), e);
        }
    }
}
