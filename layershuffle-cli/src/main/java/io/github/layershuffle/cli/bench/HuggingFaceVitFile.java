package io.github.layershuffle.cli.bench;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.AtomicFiles;
import io.github.layershuffle.api.checkpoint.Safetensors;
import io.github.layershuffle.api.checkpoint.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a Hugging Face {@code ViTForImageClassification} {@code model.safetensors} with random values: the
 * layout of {@code google/vit-base-patch16-224}'s file (its key names, shapes and F32 dtype) for
 * {@link ModelConfig#vitB16(int)}, or the same layout at any other size for tests. No pre-trained weights
 * exist on a machine without internet; this file lets the import ({@code --init-hf}), fine-tuning and export
 * run at the real shapes. A benchmark fixture, not library API.
 *
 * <p>The keys are those of the real file: {@code vit.embeddings.cls_token [1,1,D]},
 * {@code vit.embeddings.position_embeddings [1,N+1,D]}, {@code vit.embeddings.patch_embeddings.projection
 * .weight [D,C,P,P]} and {@code .bias [D]}; per layer {@code vit.encoder.layer.i.} {@code attention.attention
 * .{query,key,value}.{weight [D,D], bias [D]}}, {@code attention.output.dense}, {@code intermediate.dense
 * [M,D]}, {@code output.dense [D,M]}, {@code layernorm_before}, {@code layernorm_after}; then
 * {@code vit.layernorm}, {@code classifier.weight [K,D]} and {@code .bias [K]}. {@code ViTForImageClassification}
 * has no pooler. Values: weights N(0, 0.02) (the ViT initialiser's scale), biases N(0, 0.02), LayerNorm
 * weights 1 + N(0, 0.02), so the network's activations stay in a realistic range.
 */
public final class HuggingFaceVitFile {
    private static final double SCALE = 0.02;

    private HuggingFaceVitFile() {
    }

    /** The file's keys and shapes for {@code config}, in the order the file holds them. */
    public static Map<String, long[]> layout(ModelConfig config) {
        long d = config.width();
        long m = config.mlpWidth();
        long p = config.patchSize();
        Map<String, long[]> keys = new LinkedHashMap<>();
        keys.put("vit.embeddings.cls_token", new long[] {1, 1, d});
        keys.put("vit.embeddings.position_embeddings", new long[] {1, config.tokenCount(), d});
        keys.put("vit.embeddings.patch_embeddings.projection.weight", new long[] {d, config.channels(), p, p});
        keys.put("vit.embeddings.patch_embeddings.projection.bias", new long[] {d});
        for (int i = 0; i < config.depth(); i++) {
            String l = "vit.encoder.layer." + i + ".";
            for (String qkv : List.of("query", "key", "value")) {
                keys.put(l + "attention.attention." + qkv + ".weight", new long[] {d, d});
                keys.put(l + "attention.attention." + qkv + ".bias", new long[] {d});
            }
            keys.put(l + "attention.output.dense.weight", new long[] {d, d});
            keys.put(l + "attention.output.dense.bias", new long[] {d});
            keys.put(l + "intermediate.dense.weight", new long[] {m, d});
            keys.put(l + "intermediate.dense.bias", new long[] {m});
            keys.put(l + "output.dense.weight", new long[] {d, m});
            keys.put(l + "output.dense.bias", new long[] {d});
            keys.put(l + "layernorm_before.weight", new long[] {d});
            keys.put(l + "layernorm_before.bias", new long[] {d});
            keys.put(l + "layernorm_after.weight", new long[] {d});
            keys.put(l + "layernorm_after.bias", new long[] {d});
        }
        keys.put("vit.layernorm.weight", new long[] {d});
        keys.put("vit.layernorm.bias", new long[] {d});
        keys.put("classifier.weight", new long[] {config.classes(), d});
        keys.put("classifier.bias", new long[] {config.classes()});
        return keys;
    }

    /**
     * Writes {@code model.safetensors} of {@code config}'s layout with values drawn from {@code seed} to
     * {@code file}, atomically, and beside it a {@code config.json} and {@code preprocessor_config.json} with
     * the fields the import reads (heads, LayerNorm epsilon, activation; pixel mean and std 0.5, as the real
     * model's). No {@code id2label}: the real file's 1,000 ImageNet class names are not reproduced.
     *
     * @return the number of parameters written
     * @throws LayerShuffleException if a file cannot be written, naming it
     */
    public static long write(Path file, ModelConfig config, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Tensor> tensors = new ArrayList<>();
        long parameters = 0;
        for (Map.Entry<String, long[]> e : layout(config).entrySet()) {
            String key = e.getKey();
            float[] data = new float[(int) Tensor.elementCount(e.getValue())];
            boolean norm = key.contains("layernorm") && key.endsWith(".weight");
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((norm ? 1 : 0) + SCALE * gaussian(random));
            }
            parameters += data.length;
            tensors.add(new Tensor(key, e.getValue(), data));
        }
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Safetensors.write(file, Map.of("format", "pt"), tensors);
            AtomicFiles.writeString(file.resolveSibling("config.json"), String.format(Locale.ROOT,
                    "{%n  \"architectures\": [\"ViTForImageClassification\"],%n  \"model_type\": \"vit\",%n"
                            + "  \"hidden_size\": %d,%n  \"num_hidden_layers\": %d,%n  \"num_attention_heads\": %d,%n"
                            + "  \"intermediate_size\": %d,%n  \"hidden_act\": \"gelu\",%n  \"layer_norm_eps\": %s,%n"
                            + "  \"image_size\": %d,%n  \"patch_size\": %d,%n  \"num_channels\": %d%n}%n",
                    config.width(), config.depth(), config.heads(), config.mlpWidth(),
                    Double.toString(config.layerNormEps()), config.imageSize(), config.patchSize(),
                    config.channels()));
            AtomicFiles.writeString(file.resolveSibling("preprocessor_config.json"),
                    "{\n  \"image_mean\": [0.5, 0.5, 0.5],\n  \"image_std\": [0.5, 0.5, 0.5],\n  \"size\": "
                            + config.imageSize() + "\n}\n");
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write the Hugging Face ViT file " + file + ": " + e.getMessage(), e);
        }
        return parameters;
    }

    private static double gaussian(SplittableRandom r) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
