package io.github.layershuffle.train.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Safetensors;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.train.model.Initialization;
import io.github.layershuffle.train.model.TestModels;
import io.github.layershuffle.train.model.VisionTransformer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelCheckpointsTest {
    @TempDir
    Path tmp;
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void modelToFileToModelIsBitExact(Variant variant) {
        ModelConfig config = TestModels.tiny(variant);
        Checkpoint original = TestModels.randomCheckpoint(config, 5);
        VisionTransformer vit = ModelCheckpoints.newModel(original, manager);
        Path file = tmp.resolve("m.safetensors");
        ModelCheckpoints.save(vit, original.family(), Map.of("epoch", "2"), file);

        Checkpoint read = Checkpoint.read(file);
        assertThat(read.config()).isEqualTo(config);
        assertThat(read.family()).isEqualTo(original.family());
        assertThat(read.metadata()).containsEntry("epoch", "2");
        assertThat(read.tensors()).isEqualTo(original.tensors());

        VisionTransformer again = ModelCheckpoints.load(file, manager);
        NDArray px = manager.create(TestModels.randomPixels(config, 2, 1), vit.inputShape(2));
        ExecutionPlan plan = ExecutionPlan.of(3, 1, 2, 0);
        assertThat(again.predict(px, plan).logits().toFloatArray())
                .containsExactly(vit.predict(px, plan).logits().toFloatArray());
    }

    @Test
    void freshCheckpointHasANewFamilyAndTheInitialValues() {
        ModelConfig config = TestModels.tiny(Variant.LAYERSHUFFLE_POSITION);
        Checkpoint a = ModelCheckpoints.fresh(config, 7);
        Checkpoint b = ModelCheckpoints.fresh(config, 7);
        assertThat(a.family()).isNotEqualTo(b.family());
        assertThat(a.tensors()).isEqualTo(b.tensors()).isEqualTo(Initialization.tensors(config, 7));
        VisionTransformer seeded = VisionTransformer.newInstance(config, 7, manager);
        assertThat(ModelCheckpoints.capture(seeded, "f", Map.of()).tensors()).isEqualTo(a.tensors());
    }

    @Test
    void truncatedFileIsRefusedNamingTheTensor() throws Exception {
        ModelConfig config = TestModels.tiny(Variant.BASELINE);
        Path file = tmp.resolve("t.safetensors");
        ModelCheckpoints.fresh(config, 1).write(file);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 4);
        }
        assertThatThrownBy(() -> ModelCheckpoints.load(file, manager))
                .isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("head.fc.bias");
    }

    @Test
    void corruptHeaderIsRefusedNamingTheFile() throws Exception {
        ModelConfig config = TestModels.tiny(Variant.BASELINE);
        Path file = tmp.resolve("c.safetensors");
        ModelCheckpoints.fresh(config, 1).write(file);
        byte[] bytes = Files.readAllBytes(file);
        bytes[9] = '#';
        Files.write(file, bytes);
        assertThatThrownBy(() -> ModelCheckpoints.load(file, manager))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining(file.toString());
    }

    @Test
    void wrongShapeIsRefusedNamingTheTensor() {
        ModelConfig config = TestModels.tiny(Variant.BASELINE);
        Checkpoint good = ModelCheckpoints.fresh(config, 1);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", Checkpoint.FORMAT);
        meta.put("version", "1");
        meta.put("config", config.toJson());
        meta.put("family", good.family());
        List<Tensor> tensors = new ArrayList<>(good.tensors().values());
        tensors.set(5, Tensor.zeros("blocks.0.norm1.bias", 15));
        Path file = tmp.resolve("w.safetensors");
        Safetensors.write(file, meta, tensors);
        assertThatThrownBy(() -> ModelCheckpoints.load(file, manager))
                .isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("blocks.0.norm1.bias").hasMessageContaining("[15]");

        // a checkpoint of another width restored into an existing model
        VisionTransformer vit = VisionTransformer.newInstance(config, 1, manager);
        Checkpoint wider = ModelCheckpoints.fresh(config.toBuilder().width(32).mlpWidth(32).build(), 1);
        assertThatThrownBy(() -> ModelCheckpoints.restore(vit, wider))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("stem.patch.weight")
                .hasMessageContaining("[32, 2, 4, 4]").hasMessageContaining("[16, 2, 4, 4]");
        Checkpoint otherVariant = ModelCheckpoints.fresh(config.withVariant(Variant.LAYERSHUFFLE_PREDICT), 1);
        assertThatThrownBy(() -> ModelCheckpoints.restore(vit, otherVariant))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("blocks.0.predict.norm.weight");
    }
}
