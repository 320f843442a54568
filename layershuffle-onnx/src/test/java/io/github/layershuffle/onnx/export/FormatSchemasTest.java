package io.github.layershuffle.onnx.export;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Safetensors;
import io.github.layershuffle.onnx.runtime.Recipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What the library writes validates against the JSON Schemas published in docs/schemas, and they are not vacuous. */
class FormatSchemasTest {
    private static final String ID_PREFIX = "https://github.com/layershuffle/layershuffle-java/docs/schemas/";
    private static final Path SCHEMAS = Path.of("../docs/schemas").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.schemaMappers(m -> m.mapPrefix(ID_PREFIX, SCHEMAS.toUri().toString())));

    @TempDir
    Path dir;

    private static JsonSchema schema(String name) {
        return FACTORY.getSchema(SCHEMAS.resolve(name).toUri());
    }

    private static Set<ValidationMessage> errors(String schema, JsonNode node) {
        return schema(schema).validate(node);
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void exportManifestsAndConfigsValidate(Variant variant) throws IOException {
        ModelConfig config = TinyModels.config(variant, 3);
        assertThat(errors("config.schema.json", JSON.readTree(config.toJson()))).isEmpty();
        Path out = OnnxExporter.builder().optFullModel(true).build()
                .export(TinyModels.checkpoint(config, 1), dir.resolve("e"));
        JsonNode manifest = JSON.readTree(Files.readString(out.resolve("manifest.json")));
        assertThat(errors("manifest.schema.json", manifest)).isEmpty();

        ObjectNode broken = manifest.deepCopy();
        broken.remove("blocks");
        ((ObjectNode) broken.get("stem")).put("file", "../stem.onnx");
        ((ObjectNode) broken.get("config")).put("variant", "shuffled").put("slotTable", "per-slot")
                .put("predictLossReduction", "max");
        assertThat(errors("manifest.schema.json", broken).toString())
                .contains("blocks").contains("stem.file").contains("config.variant").contains("config.slotTable")
                .contains("config.predictLossReduction");
    }

    @Test
    void checkpointMetadataValidates() throws IOException {
        Path file = dir.resolve("c.safetensors");
        TinyModels.checkpoint(TinyModels.config(Variant.LAYERSHUFFLE, 1), 2).withMetadata(
                java.util.Map.of("epoch", "3")).write(file);
        JsonNode meta = JSON.valueToTree(Safetensors.read(file).metadata());
        assertThat(errors("checkpoint-metadata.schema.json", meta)).isEmpty();
        ObjectNode broken = meta.deepCopy();
        broken.put("version", "2");
        assertThat(errors("checkpoint-metadata.schema.json", broken)).isNotEmpty();
        assertThat(Checkpoint.read(file).metadata()).containsEntry("epoch", "3");
    }

    @Test
    void recipesValidate() throws IOException {
        ModelConfig config = TinyModels.config(Variant.LAYERSHUFFLE, 1);
        Path a = OnnxExporter.create().export(TinyModels.checkpoint(config, 1), dir.resolve("a"));
        Path recipeFile = dir.resolve("recipe.json");
        new Recipe(a, a, List.of(new Recipe.Slot(a, 2), new Recipe.Slot(a, 0))).write(recipeFile);
        JsonNode recipe = JSON.readTree(Files.readString(recipeFile));
        assertThat(errors("recipe.schema.json", recipe)).isEmpty();
        ObjectNode broken = recipe.deepCopy();
        broken.putArray("slots").addObject().put("export", "a").put("block", -1);
        assertThat(errors("recipe.schema.json", broken)).isNotEmpty();
    }

    /** The schemas' array bounds are the readers' caps. */
    @Test
    void arrayBoundsAreTheReadersCaps() throws IOException {
        JsonNode manifest = JSON.readTree(SCHEMAS.resolve("manifest.schema.json").toFile());
        assertThat(manifest.at("/properties/blocks/maxItems").asInt())
                .isEqualTo(io.github.layershuffle.onnx.runtime.Manifest.MAX_BLOCKS).isEqualTo(ModelConfig.MAX_DEPTH);
        JsonNode recipe = JSON.readTree(SCHEMAS.resolve("recipe.schema.json").toFile());
        assertThat(recipe.at("/properties/slots/maxItems").asInt()).isEqualTo(Recipe.MAX_SLOTS);
    }
}
