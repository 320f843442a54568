package io.github.layershuffle.api.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.LossReduction;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.ModelIdentity;
import io.github.layershuffle.api.SlotTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A trained model, framework-neutral: its config, family, free-form metadata and float32 tensors named as
 * {@link VitLayout} says. Stored as one safetensors file whose {@code __metadata__} carries the config JSON.
 *
 * <pre>{@code
 * Checkpoint ckpt = Checkpoint.read(Path.of("runs/ls/best.safetensors"));
 * ModelConfig config = ckpt.config();
 * Tensor qkv = ckpt.tensor("blocks.0.attn.qkv.weight");
 * ckpt.withMetadata(Map.of("note", "copied")).write(Path.of("copy.safetensors"));
 * }</pre>
 *
 * @param config   the model's config
 * @param family   id shared by all models fine-tuned from one base
 * @param metadata free-form string metadata (epoch, validation loss, ...); the reserved keys
 *                 {@code format}, {@code version}, {@code config} and {@code family} are not kept here
 * @param tensors  tensors by name
 */
public record Checkpoint(ModelConfig config, String family, Map<String, String> metadata,
                         Map<String, Tensor> tensors) {

    /** The {@code format} metadata value of a checkpoint. */
    public static final String FORMAT = "layershuffle-checkpoint";
    /** The checkpoint version this library writes and the newest it reads. */
    public static final int VERSION = 1;
    private static final List<String> RESERVED = List.of("format", "version", "config", "family");
    private static final ObjectMapper LEGACY_JSON = new ObjectMapper();

    /**
     * Checks that the tensors are exactly the ones the config needs, with the right shapes.
     *
     * @throws LayerShuffleException naming the first missing, unexpected or mis-shaped tensor
     */
    public Checkpoint {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(family, "family");
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        RESERVED.forEach(meta::remove);
        metadata = Collections.unmodifiableMap(meta);
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        validate(config, tensors);
    }

    /** A fresh family id, for a model trained from scratch or imported from elsewhere. */
    public static String newFamily() {
        return UUID.randomUUID().toString();
    }

    /** The identity composition checks: family and config. */
    public ModelIdentity identity() {
        return new ModelIdentity(family, config);
    }

    /**
     * The tensor called {@code name}.
     *
     * @throws LayerShuffleException naming the tensor if there is none of that name
     */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new LayerShuffleException("checkpoint has no tensor '" + name + "'");
        }
        return t;
    }

    /** This checkpoint with {@code extra} metadata added (replacing keys it shares). */
    public Checkpoint withMetadata(Map<String, String> extra) {
        Map<String, String> meta = new LinkedHashMap<>(metadata);
        meta.putAll(extra);
        return new Checkpoint(config, family, meta, tensors);
    }

    /**
     * Reads a checkpoint file.
     *
     * <p>A file whose config predates the {@code slotTable} and {@code predictLossReduction} fields reads in
     * the forms it was trained in: a LayerShuffle-position file with one slot table per block as
     * {@link SlotTable#PER_BLOCK}, a LayerShuffle-predict file as {@link LossReduction#SUM}.
     *
     * @throws LayerShuffleException naming the file and the fault: not a checkpoint, a newer version, a bad
     *                               config, a missing or mis-shaped tensor
     */
    public static Checkpoint read(Path file) {
        SafetensorsFile st = Safetensors.read(file);
        Map<String, String> meta = st.metadata();
        String format = meta.get("format");
        if (!FORMAT.equals(format)) {
            throw new LayerShuffleException(file + " is not a layershuffle checkpoint: metadata 'format' is "
                    + (format == null ? "missing" : "'" + format + "'") + ", expected '" + FORMAT + "'");
        }
        int version;
        try {
            version = Integer.parseInt(meta.getOrDefault("version", ""));
        } catch (NumberFormatException e) {
            throw new LayerShuffleException(file + ": metadata 'version' is '" + meta.get("version")
                    + "', expected an integer", e);
        }
        if (version < 1 || version > VERSION) {
            throw new LayerShuffleException(file + ": checkpoint version " + version
                    + " is not supported; this library reads versions 1 to " + VERSION);
        }
        String configJson = meta.get("config");
        String family = meta.get("family");
        if (configJson == null || family == null || family.isBlank()) {
            throw new LayerShuffleException(file + ": metadata '" + (configJson == null ? "config" : "family")
                    + "' is missing");
        }
        try {
            ModelConfig config = legacyForms(ModelConfig.fromJson(configJson), configJson, st.tensors());
            return new Checkpoint(config, family, meta, st.tensors());
        } catch (LayerShuffleException e) {
            throw new LayerShuffleException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The config of a checkpoint written before the {@code slotTable} and {@code predictLossReduction} fields
     * existed, in the forms it was trained in: a LayerShuffle-position file holding one table per block
     * ({@code blocks.i.pos.embed}) reads as {@link SlotTable#PER_BLOCK}, a LayerShuffle-predict file as
     * {@link LossReduction#SUM}. A config that names the field is taken at its word; other variants, whose
     * weights and training the fields do not touch, take the defaults.
     */
    private static ModelConfig legacyForms(ModelConfig config, String configJson, Map<String, Tensor> tensors) {
        boolean position = config.variant().usesPosition() && !tensors.containsKey(VitLayout.SLOT_TABLE)
                && tensors.containsKey(VitLayout.block(0) + "pos.embed");
        boolean predict = config.variant().predictsPosition();
        if (!position && !predict) {
            return config;
        }
        JsonNode json;
        try {
            json = LEGACY_JSON.readTree(configJson);
        } catch (JsonProcessingException e) {
            throw new LayerShuffleException("config is not valid JSON: " + e.getOriginalMessage(), e);
        }
        ModelConfig.Builder b = config.toBuilder();
        if (position && !json.has("slotTable")) {
            b.slotTable(SlotTable.PER_BLOCK);
        }
        if (predict && !json.has("predictLossReduction")) {
            b.predictLossReduction(LossReduction.SUM);
        }
        return b.build();
    }

    /**
     * Writes this checkpoint to {@code file} atomically: a crash leaves the previous file, never half of
     * the new one.
     *
     * @throws LayerShuffleException if the file cannot be written
     */
    public void write(Path file) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("version", Integer.toString(VERSION));
        meta.put("config", config.toJson());
        meta.put("family", family);
        meta.putAll(metadata);
        List<Tensor> ordered = new ArrayList<>(tensors.size());
        for (String name : VitLayout.shapes(config).keySet()) {
            ordered.add(tensors.get(name).renamed(name));
        }
        Safetensors.write(file, meta, ordered);
    }

    private static void validate(ModelConfig config, Map<String, Tensor> tensors) {
        Map<String, long[]> expected = VitLayout.shapes(config);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null) {
                throw new LayerShuffleException("tensor '" + e.getKey() + "' is missing (a " + config.variant()
                        + " model of depth " + config.depth() + " needs " + expected.size() + " tensors)");
            }
            if (!Arrays.equals(t.shape(), e.getValue())) {
                throw new LayerShuffleException("tensor '" + e.getKey() + "' has shape "
                        + Safetensors.shape(t.shape()) + ", the config needs " + Arrays.toString(e.getValue()));
            }
        }
        for (String name : tensors.keySet()) {
            if (!expected.containsKey(name)) {
                throw new LayerShuffleException("tensor " + Safetensors.quote(name) + " is not part of a "
                        + config.variant() + " model of depth " + config.depth());
            }
        }
    }
}
