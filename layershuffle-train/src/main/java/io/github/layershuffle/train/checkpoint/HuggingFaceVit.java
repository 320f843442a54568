package io.github.layershuffle.train.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Safetensors;
import io.github.layershuffle.api.checkpoint.SafetensorsFile;
import io.github.layershuffle.api.checkpoint.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Imports a Hugging Face {@code ViTForImageClassification} checkpoint, such as
 * {@code google/vit-base-patch16-224}'s {@code model.safetensors}, as a baseline {@link Checkpoint} of a
 * new family, ready for {@link FineTuning#adapt}.
 *
 * <pre>{@code
 * Checkpoint base = HuggingFaceVit.read(Path.of("vit-base-patch16-224/model.safetensors"));
 * Checkpoint start = FineTuning.adapt(base,
 *         base.config().toBuilder().classes(10).variant(Variant.LAYERSHUFFLE).build(),
 *         FineTuning.Head.REINITIALIZE_IF_CLASSES_DIFFER, 42);
 * }</pre>
 *
 * <p>Key mapping ({@code vit.} prefix optional; {@code N} a layer): {@code embeddings.patch_embeddings.projection}
 * &rarr; {@code stem.patch}, {@code embeddings.cls_token} &rarr; {@code stem.cls_token},
 * {@code embeddings.position_embeddings} &rarr; {@code stem.pos_embed},
 * {@code encoder.layer.N.attention.attention.{query,key,value}} &rarr; {@code blocks.N.attn.qkv} (rows q, k,
 * v), {@code encoder.layer.N.attention.output.dense} &rarr; {@code blocks.N.attn.proj},
 * {@code layernorm_before} &rarr; {@code norm1}, {@code layernorm_after} &rarr; {@code norm2},
 * {@code intermediate.dense} &rarr; {@code mlp.fc1}, {@code output.dense} &rarr; {@code mlp.fc2},
 * {@code layernorm} &rarr; {@code head.norm}, {@code classifier} &rarr; {@code head.fc}. The pooler, if any, is
 * not used.
 *
 * <p>The config comes from the tensor shapes, and from {@code config.json} (heads, LayerNorm epsilon,
 * labels, activation) and {@code preprocessor_config.json} (pixel mean and std) beside the file when they
 * exist; LayerNorm epsilon defaults to Hugging Face's 1e-12, pixel statistics to 0.5.
 */
public final class HuggingFaceVit {
    private static final Logger LOG = LoggerFactory.getLogger(HuggingFaceVit.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.");
    private static final Map<String, String> BLOCK_KEYS = Map.of(
            "layernorm_before", "norm1",
            "attention.output.dense", "attn.proj",
            "layernorm_after", "norm2",
            "intermediate.dense", "mlp.fc1",
            "output.dense", "mlp.fc2");

    private HuggingFaceVit() {
    }

    /**
     * Reads the checkpoint, taking the number of heads from {@code config.json} beside it, or, without one,
     * from the ViT convention of 64-wide heads.
     *
     * @throws LayerShuffleException naming the file and the missing or mis-shaped key, or a config that
     *                               cannot be inferred
     */
    public static Checkpoint read(Path file) {
        return read(file, 0);
    }

    /**
     * Reads the checkpoint with {@code heads} attention heads (0: from {@code config.json} or the 64-wide
     * convention).
     *
     * @throws LayerShuffleException as {@link #read(Path)}
     */
    public static Checkpoint read(Path file, int heads) {
        SafetensorsFile st = Safetensors.read(file);
        Map<String, Tensor> hf = st.tensors();
        String prefix = hf.containsKey("vit.embeddings.cls_token") ? "vit." : "";
        JsonNode config = json(file.resolveSibling("config.json"));
        JsonNode preprocessor = json(file.resolveSibling("preprocessor_config.json"));

        Tensor patch = need(file, hf, prefix + "embeddings.patch_embeddings.projection.weight", 4);
        Tensor posEmbed = need(file, hf, prefix + "embeddings.position_embeddings", 3);
        Tensor classifier = need(file, hf, "classifier.weight", 2);
        int width = (int) patch.shape()[0];
        int channels = (int) patch.shape()[1];
        int patchSize = (int) patch.shape()[2];
        long patches = posEmbed.shape()[1] - 1;
        int side = (int) Math.round(Math.sqrt(patches));
        if ((long) side * side != patches) {
            throw new LayerShuffleException(file + ": position_embeddings has " + posEmbed.shape()[1]
                    + " tokens, which is not a square number of patches plus the class token");
        }
        int depth = layerCount(file, hf.keySet(), prefix);
        int mlpWidth = (int) need(file, hf, prefix + "encoder.layer.0.intermediate.dense.weight", 2).shape()[0];
        int h = heads > 0 ? heads : headsOf(file, config, width);
        String act = config == null ? "gelu" : config.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new LayerShuffleException(file + ": hidden_act '" + act + "' is not supported; this ViT uses "
                    + "exact GELU ('gelu')");
        }
        ModelConfig.Builder b = ModelConfig.builder().imageSize(side * patchSize).channels(channels)
                .patchSize(patchSize).width(width).depth(depth).heads(h).mlpWidth(mlpWidth)
                .classes((int) classifier.shape()[0]).variant(Variant.BASELINE)
                .layerNormEps(config == null ? 1e-12 : config.path("layer_norm_eps").asDouble(1e-12));
        List<String> labels = labels(config, (int) classifier.shape()[0]);
        if (!labels.isEmpty()) {
            b.labels(labels);
        }
        if (preprocessor != null && preprocessor.has("image_mean") && preprocessor.has("image_std")) {
            b.pixelMean(doubles(preprocessor.get("image_mean"))).pixelStd(doubles(preprocessor.get("image_std")));
        }
        ModelConfig cfg;
        try {
            cfg = b.build();
        } catch (IllegalArgumentException e) {
            throw new LayerShuffleException(file + ": inferred config is invalid: " + e.getMessage(), e);
        }

        Map<String, Tensor> out = new LinkedHashMap<>();
        copy(file, hf, out, prefix + "embeddings.patch_embeddings.projection.weight", "stem.patch.weight");
        copy(file, hf, out, prefix + "embeddings.patch_embeddings.projection.bias", "stem.patch.bias");
        copy(file, hf, out, prefix + "embeddings.cls_token", "stem.cls_token");
        copy(file, hf, out, prefix + "embeddings.position_embeddings", "stem.pos_embed");
        for (int i = 0; i < depth; i++) {
            String src = prefix + "encoder.layer." + i + ".";
            String dst = "blocks." + i + ".";
            for (String part : List.of("weight", "bias")) {
                out.put(dst + "attn.qkv." + part, concatRows(dst + "attn.qkv." + part,
                        need(file, hf, src + "attention.attention.query." + part, -1),
                        need(file, hf, src + "attention.attention.key." + part, -1),
                        need(file, hf, src + "attention.attention.value." + part, -1)));
                for (Map.Entry<String, String> e : BLOCK_KEYS.entrySet()) {
                    copy(file, hf, out, src + e.getKey() + "." + part, dst + e.getValue() + "." + part);
                }
            }
        }
        copy(file, hf, out, prefix + "layernorm.weight", "head.norm.weight");
        copy(file, hf, out, prefix + "layernorm.bias", "head.norm.bias");
        copy(file, hf, out, "classifier.weight", "head.fc.weight");
        copy(file, hf, out, "classifier.bias", "head.fc.bias");
        LOG.info("imported {}: {} blocks of width {}, {} classes", file, depth, width, cfg.classes());

        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("source", "huggingface");
        meta.put("source_file", file.getFileName().toString());
        try {
            return new Checkpoint(cfg, Checkpoint.newFamily(), meta, out);
        } catch (LayerShuffleException e) {
            throw new LayerShuffleException(file + ": " + e.getMessage(), e);
        }
    }

    private static Tensor need(Path file, Map<String, Tensor> hf, String key, int rank) {
        Tensor t = hf.get(key);
        if (t == null) {
            throw new LayerShuffleException(file + ": Hugging Face ViT key '" + key + "' is missing");
        }
        if (rank >= 0 && t.shape().length != rank) {
            throw new LayerShuffleException(file + ": '" + key + "' has shape " + Arrays.toString(t.shape())
                    + ", expected " + rank + " dimensions");
        }
        return t;
    }

    private static void copy(Path file, Map<String, Tensor> hf, Map<String, Tensor> out, String key, String name) {
        out.put(name, need(file, hf, key, -1).renamed(name));
    }

    private static Tensor concatRows(String name, Tensor q, Tensor k, Tensor v) {
        long[] shape = q.shape().clone();
        shape[0] = q.shape()[0] + k.shape()[0] + v.shape()[0];
        float[] data = new float[q.data().length + k.data().length + v.data().length];
        System.arraycopy(q.data(), 0, data, 0, q.data().length);
        System.arraycopy(k.data(), 0, data, q.data().length, k.data().length);
        System.arraycopy(v.data(), 0, data, q.data().length + k.data().length, v.data().length);
        return new Tensor(name, shape, data);
    }

    private static int layerCount(Path file, Iterable<String> keys, String prefix) {
        int max = -1;
        for (String key : keys) {
            Matcher m = LAYER.matcher(key);
            if (key.startsWith(prefix + "encoder.layer.") && m.find()) {
                max = Math.max(max, Integer.parseInt(m.group(1)));
            }
        }
        if (max < 0) {
            throw new LayerShuffleException(file + ": no '" + prefix + "encoder.layer.N.*' keys");
        }
        return max + 1;
    }

    private static int headsOf(Path file, JsonNode config, int width) {
        if (config != null && config.has("num_attention_heads")) {
            return config.get("num_attention_heads").asInt();
        }
        if (width % 64 == 0) {
            LOG.warn("{}: no config.json beside it; assuming 64-wide heads ({} heads)", file, width / 64);
            return width / 64;
        }
        throw new LayerShuffleException(file + ": cannot infer the number of heads of width " + width
                + ": put the model's config.json beside it or pass the number of heads");
    }

    private static List<String> labels(JsonNode config, int classes) {
        JsonNode id2label = config == null ? null : config.get("id2label");
        if (id2label == null || !id2label.isObject() || id2label.size() != classes) {
            return List.of();
        }
        TreeMap<Integer, String> byId = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : id2label.properties()) {
            try {
                byId.put(Integer.parseInt(e.getKey()), e.getValue().asText());
            } catch (NumberFormatException notAnId) {
                return List.of();
            }
        }
        if (byId.firstKey() != 0 || byId.lastKey() != classes - 1) {
            return List.of();
        }
        return new ArrayList<>(byId.values());
    }

    private static List<Double> doubles(JsonNode array) {
        List<Double> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asDouble()));
        return out;
    }

    private static JsonNode json(Path path) {
        if (!Files.isRegularFile(path)) {
            return null;
        }
        try {
            return JSON.readTree(path.toFile());
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
