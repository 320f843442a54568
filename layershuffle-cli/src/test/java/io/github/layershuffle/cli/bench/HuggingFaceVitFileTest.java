package io.github.layershuffle.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Safetensors;
import io.github.layershuffle.api.checkpoint.SafetensorsFile;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.train.checkpoint.HuggingFaceVit;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.ImageFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark fixtures: the Hugging Face file's layout against the import's mapping, and the image folder. */
class HuggingFaceVitFileTest {
    @TempDir
    Path tmp;

    private static ModelConfig tiny() {
        return ModelConfig.builder().imageSize(8).channels(3).patchSize(4).width(8).depth(2).heads(2).mlpWidth(16)
                .classes(3).build();
    }

    @Test
    void theFullSizeLayoutIsTheRealFiles() {
        Map<String, long[]> keys = HuggingFaceVitFile.layout(ModelConfig.vitB16(1000));
        assertThat(keys).hasSize(4 + 12 * 16 + 2 + 2);
        assertThat(keys.get("vit.embeddings.cls_token")).containsExactly(1, 1, 768);
        assertThat(keys.get("vit.embeddings.position_embeddings")).containsExactly(1, 197, 768);
        assertThat(keys.get("vit.embeddings.patch_embeddings.projection.weight")).containsExactly(768, 3, 16, 16);
        assertThat(keys.get("vit.encoder.layer.11.attention.attention.value.weight")).containsExactly(768, 768);
        assertThat(keys.get("vit.encoder.layer.0.intermediate.dense.weight")).containsExactly(3072, 768);
        assertThat(keys.get("vit.encoder.layer.0.output.dense.weight")).containsExactly(768, 3072);
        assertThat(keys.get("classifier.weight")).containsExactly(1000, 768);
        assertThat(keys.keySet()).noneMatch(k -> k.contains("pooler"));
        // google/vit-base-patch16-224 has 86,567,656 parameters
        assertThat(keys.values().stream().mapToLong(Tensor::elementCount).sum()).isEqualTo(86_567_656L);
    }

    @Test
    void theImportMapsEveryKeyItWritesAndNeedsEachOfThem() throws Exception {
        Path file = tmp.resolve("hf").resolve("model.safetensors");
        long params = HuggingFaceVitFile.write(file, tiny(), 3);
        SafetensorsFile st = Safetensors.read(file);
        Map<String, long[]> layout = HuggingFaceVitFile.layout(tiny());
        assertThat(st.tensors().keySet()).containsExactlyInAnyOrderElementsOf(layout.keySet());
        st.tensors().forEach((k, t) -> assertThat(t.shape()).as(k).containsExactly(layout.get(k)));
        assertThat(st.metadata()).containsEntry("format", "pt");

        Checkpoint c = HuggingFaceVit.read(file);
        ModelConfig cfg = c.config();
        assertThat(List.of(cfg.imageSize(), cfg.channels(), cfg.patchSize(), cfg.width(), cfg.depth(), cfg.heads(),
                cfg.mlpWidth(), cfg.classes())).containsExactly(8, 3, 4, 8, 2, 2, 16, 3);
        assertThat(cfg.pixelMean()).containsExactly(0.5, 0.5, 0.5);
        assertThat(c.tensors().values().stream().mapToLong(t -> t.data().length).sum()).isEqualTo(params);
        assertThat(c.tensor("blocks.1.mlp.fc2.weight").data())
                .containsExactly(st.tensors().get("vit.encoder.layer.1.output.dense.weight").data());
        assertThat(c.tensor("blocks.0.norm1.weight").data()[0]).isBetween(0.8f, 1.2f);

        // every key written is one the import needs: without any one of them it refuses the file
        List<Tensor> all = new ArrayList<>(st.tensors().values());
        for (String dropped : List.of("vit.embeddings.cls_token", "vit.encoder.layer.1.attention.attention.key.bias",
                "vit.encoder.layer.0.layernorm_after.bias", "vit.layernorm.weight", "classifier.bias")) {
            Path broken = tmp.resolve("broken-" + dropped).resolve("model.safetensors");
            Files.createDirectories(broken.getParent());
            Safetensors.write(broken, Map.of(), all.stream().filter(t -> !t.name().equals(dropped)).toList());
            assertThatThrownBy(() -> HuggingFaceVit.read(broken, 2)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining(dropped);
        }
    }

    @Test
    void theImageFolderIsReadByTheImageFolderLoader() {
        int n = SyntheticImageFolder.write(tmp.resolve("img"), 3, 4, 2, 16, "png", 1);
        assertThat(n).isEqualTo(3 * (4 + 2));
        DatasetSplits s = ImageFolder.splits(tmp.resolve("img"), 16, 3, 0);
        assertThat(s.classNames()).containsExactly("class00", "class01", "class02");
        assertThat(s.train().count()).isEqualTo(12);
        assertThat(s.validation().count()).isEqualTo(6);
        float[] a = s.train().image(0);
        float[] b = s.train().image(4);
        assertThat(a).isNotEqualTo(b);
        assertThatThrownBy(() -> SyntheticImageFolder.write(tmp, 1, 1, 1, 8, "gif", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gif");
    }
}
