package io.github.layershuffle.train.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Safetensors;
import io.github.layershuffle.api.checkpoint.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tiny {@code ViTForImageClassification} file: width 8, 2 layers, 2 heads, 3 channels, 8x8, patch 4, 3 classes. */
class HuggingFaceVitTest {
    private static final int D = 8;
    private static final int M = 16;
    @TempDir
    Path tmp;

    private final Map<String, Tensor> hf = new LinkedHashMap<>();
    private final SplittableRandom random = new SplittableRandom(1);

    private void put(String name, long... shape) {
        float[] data = new float[(int) Tensor.elementCount(shape)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextDouble(-1, 1);
        }
        hf.put(name, new Tensor(name, shape, data));
    }

    private Path writeHuggingFaceFile(String prefix, boolean withConfig) throws Exception {
        put(prefix + "embeddings.cls_token", 1, 1, D);
        put(prefix + "embeddings.position_embeddings", 1, 5, D);
        put(prefix + "embeddings.patch_embeddings.projection.weight", D, 3, 4, 4);
        put(prefix + "embeddings.patch_embeddings.projection.bias", D);
        for (int i = 0; i < 2; i++) {
            String l = prefix + "encoder.layer." + i + ".";
            for (String qkv : List.of("query", "key", "value")) {
                put(l + "attention.attention." + qkv + ".weight", D, D);
                put(l + "attention.attention." + qkv + ".bias", D);
            }
            put(l + "attention.output.dense.weight", D, D);
            put(l + "attention.output.dense.bias", D);
            put(l + "intermediate.dense.weight", M, D);
            put(l + "intermediate.dense.bias", M);
            put(l + "output.dense.weight", D, M);
            put(l + "output.dense.bias", D);
            for (String norm : List.of("layernorm_before", "layernorm_after")) {
                put(l + norm + ".weight", D);
                put(l + norm + ".bias", D);
            }
        }
        put(prefix + "layernorm.weight", D);
        put(prefix + "layernorm.bias", D);
        put(prefix + "pooler.dense.weight", D, D);
        put("classifier.weight", 3, D);
        put("classifier.bias", 3);
        Path dir = Files.createDirectories(tmp.resolve(prefix.isEmpty() ? "plain" : "vit"));
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, Map.of("format", "pt"), hf.values());
        if (withConfig) {
            Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 8, \"num_attention_heads\": 2,"
                    + " \"layer_norm_eps\": 1e-12, \"hidden_act\": \"gelu\","
                    + " \"id2label\": {\"0\": \"cat\", \"1\": \"dog\", \"2\": \"eel\"}}");
            Files.writeString(dir.resolve("preprocessor_config.json"),
                    "{\"image_mean\": [0.485, 0.456, 0.406], \"image_std\": [0.229, 0.224, 0.225]}");
        }
        return file;
    }

    private float[] data(String key) {
        return hf.get(key).data();
    }

    @Test
    void mapsEveryKeyToItsPlace() throws Exception {
        Path file = writeHuggingFaceFile("vit.", true);
        Checkpoint c = HuggingFaceVit.read(file);

        ModelConfig cfg = c.config();
        assertThat(List.of(cfg.imageSize(), cfg.channels(), cfg.patchSize(), cfg.width(), cfg.depth(), cfg.heads(),
                cfg.mlpWidth(), cfg.classes())).containsExactly(8, 3, 4, 8, 2, 2, 16, 3);
        assertThat(cfg.variant()).isEqualTo(Variant.BASELINE);
        assertThat(cfg.layerNormEps()).isEqualTo(1e-12);
        assertThat(cfg.labels()).containsExactly("cat", "dog", "eel");
        assertThat(cfg.pixelMean()).containsExactly(0.485, 0.456, 0.406);
        assertThat(cfg.pixelStd()).containsExactly(0.229, 0.224, 0.225);
        assertThat(c.family()).isNotBlank();

        assertThat(c.tensor("stem.patch.weight").data()).containsExactly(
                data("vit.embeddings.patch_embeddings.projection.weight"));
        assertThat(c.tensor("stem.patch.bias").data()).containsExactly(
                data("vit.embeddings.patch_embeddings.projection.bias"));
        assertThat(c.tensor("stem.cls_token").data()).containsExactly(data("vit.embeddings.cls_token"));
        assertThat(c.tensor("stem.pos_embed").data()).containsExactly(data("vit.embeddings.position_embeddings"));
        for (int i = 0; i < 2; i++) {
            String l = "vit.encoder.layer." + i + ".";
            String b = "blocks." + i + ".";
            float[] qkv = c.tensor(b + "attn.qkv.weight").data();
            assertThat(c.tensor(b + "attn.qkv.weight").shape()).containsExactly(3 * D, D);
            assertThat(Arrays.copyOfRange(qkv, 0, D * D)).containsExactly(data(l + "attention.attention.query.weight"));
            assertThat(Arrays.copyOfRange(qkv, D * D, 2 * D * D))
                    .containsExactly(data(l + "attention.attention.key.weight"));
            assertThat(Arrays.copyOfRange(qkv, 2 * D * D, 3 * D * D))
                    .containsExactly(data(l + "attention.attention.value.weight"));
            float[] qkvBias = c.tensor(b + "attn.qkv.bias").data();
            assertThat(Arrays.copyOfRange(qkvBias, D, 2 * D)).containsExactly(data(l + "attention.attention.key.bias"));
            assertThat(Arrays.copyOfRange(qkvBias, 2 * D, 3 * D))
                    .containsExactly(data(l + "attention.attention.value.bias"));
            assertThat(c.tensor(b + "attn.proj.weight").data()).containsExactly(data(l + "attention.output.dense.weight"));
            assertThat(c.tensor(b + "attn.proj.bias").data()).containsExactly(data(l + "attention.output.dense.bias"));
            assertThat(c.tensor(b + "norm1.weight").data()).containsExactly(data(l + "layernorm_before.weight"));
            assertThat(c.tensor(b + "norm1.bias").data()).containsExactly(data(l + "layernorm_before.bias"));
            assertThat(c.tensor(b + "norm2.weight").data()).containsExactly(data(l + "layernorm_after.weight"));
            assertThat(c.tensor(b + "norm2.bias").data()).containsExactly(data(l + "layernorm_after.bias"));
            assertThat(c.tensor(b + "mlp.fc1.weight").data()).containsExactly(data(l + "intermediate.dense.weight"));
            assertThat(c.tensor(b + "mlp.fc1.bias").data()).containsExactly(data(l + "intermediate.dense.bias"));
            assertThat(c.tensor(b + "mlp.fc2.weight").data()).containsExactly(data(l + "output.dense.weight"));
            assertThat(c.tensor(b + "mlp.fc2.bias").data()).containsExactly(data(l + "output.dense.bias"));
        }
        assertThat(c.tensor("head.norm.weight").data()).containsExactly(data("vit.layernorm.weight"));
        assertThat(c.tensor("head.norm.bias").data()).containsExactly(data("vit.layernorm.bias"));
        assertThat(c.tensor("head.fc.weight").data()).containsExactly(data("classifier.weight"));
        assertThat(c.tensor("head.fc.bias").data()).containsExactly(data("classifier.bias"));

        // and the import is a starting point for fine-tuning a LayerShuffle variant with other classes
        Checkpoint start = FineTuning.adapt(c, cfg.toBuilder().classes(10).labels(List.of())
                .variant(Variant.LAYERSHUFFLE_PREDICT).build(), FineTuning.Head.REINITIALIZE_IF_CLASSES_DIFFER, 1);
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThat(ModelCheckpoints.newModel(start, manager).config().classes()).isEqualTo(10);
        }
    }

    @Test
    void keysWithoutTheVitPrefixAndAnExplicitHeadCount() throws Exception {
        Path file = writeHuggingFaceFile("", false);
        Checkpoint c = HuggingFaceVit.read(file, 4);
        assertThat(c.config().heads()).isEqualTo(4);
        assertThat(c.config().layerNormEps()).isEqualTo(1e-12);
        assertThat(c.config().pixelMean()).containsExactly(0.5, 0.5, 0.5);
        assertThat(c.tensor("blocks.1.mlp.fc1.weight").data()).containsExactly(data("encoder.layer.1.intermediate.dense.weight"));
    }

    @Test
    void missingKeysAndUnknowableHeadsAreRefused() throws Exception {
        Path file = writeHuggingFaceFile("", false);
        assertThatThrownBy(() -> HuggingFaceVit.read(file)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("heads").hasMessageContaining("config.json");
        hf.remove("encoder.layer.1.attention.attention.value.bias");
        Safetensors.write(file, Map.of(), hf.values());
        assertThatThrownBy(() -> HuggingFaceVit.read(file, 2)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("encoder.layer.1.attention.attention.value.bias")
                .hasMessageContaining(file.toString());
    }
}
