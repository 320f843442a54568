package io.github.layershuffle.onnx.runtime;

import static io.github.layershuffle.onnx.runtime.LayerShuffleModelTest.assertLogits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.IncompatibleBlocksException;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Frankenstein models: blocks of several exports of one family, from code and from a recipe file. */
class CompositionTest {
    @TempDir
    Path tmp;

    private TestExport a;
    private TestExport b;
    private Path dirA;
    private Path dirB;

    @BeforeEach
    void write() {
        a = TestExport.of(Variant.LAYERSHUFFLE_POSITION, 100);
        b = TestExport.of(Variant.LAYERSHUFFLE_POSITION, 200);
        dirA = a.write(tmp.resolve("exports/a"));
        dirB = b.write(tmp.resolve("exports/b"));
    }

    /** Stem of {@code stem}, then each (export, block) in its slot, then the head of {@code head}. */
    private static double[][] expected(float[][][][] images, TestExport stem, TestExport head, ExecutionPlan plan,
                                       List<TestExport> sources, int[] blocks) {
        double[][][] x = stem.stem(images);
        for (int slot = 0; slot < plan.size(); slot++) {
            int s = plan.block(slot);
            x = sources.get(s).block(blocks[s], slot, x);
        }
        return head.head(x);
    }

    @Test
    void composesBlocksOfTwoExportsInAnyOrderWithRepeats() {
        float[][][][] images = TestExport.images(a.config, 3, 4);
        try (LayerShuffleModel merged = LayerShuffleModel.compose()
                .stem(dirA).slot(dirA, 3).slot(dirB, 1).slot(dirB, 1).slot(dirA, 0).head(dirB).build()) {
            assertThat(merged.size()).isEqualTo(4);
            List<TestExport> sources = List.of(a, b, b, a);
            int[] blocks = {3, 1, 1, 0};
            for (ExecutionPolicy policy : List.of(ExecutionPolicy.sequential(), ExecutionPolicy.reversed(),
                    ExecutionPolicy.random(3), ExecutionPolicy.random(9).keep(2))) {
                ExecutionPlan plan = policy.planForPass(4, 0);
                assertLogits(merged.predict(images, policy), expected(images, a, b, plan, sources, blocks));
            }
            // each export loaded once; its sessions shared by its slots
            assertThat(merged.slot(1).export()).isSameAs(merged.slot(2).export());
            assertThat(merged.slot(0).export()).isSameAs(merged.slot(3).export()).isSameAs(merged.stemExport());
            assertThat(merged.headExport()).isSameAs(merged.slot(1).export());
            assertThat(merged.toString()).contains("#3", "#1", "#0");
        }
    }

    @Test
    void recipeWithRepeatsAndRelativePaths() throws Exception {
        Path recipe = tmp.resolve("merged.json");
        Files.writeString(recipe, """
                {
                  "format": "layershuffle-recipe",
                  "version": 1,
                  "stem": "exports/b",
                  "head": "./exports/a",
                  "slots": [
                    { "export": "exports/a", "block": 2 },
                    { "export": "exports/b", "block": 0 },
                    { "export": "exports/b", "block": 0 }
                  ],
                  "comment": "unknown fields are ignored"
                }
                """);
        float[][][][] images = TestExport.images(a.config, 2, 5);
        try (LayerShuffleModel merged = LayerShuffleModel.compose(recipe)) {
            assertThat(merged.size()).isEqualTo(3);
            ExecutionPlan plan = ExecutionPlan.of(3, 2, 0, 1);
            assertLogits(merged.predict(images, plan),
                    expected(images, b, a, plan, List.of(a, b, b), new int[] {2, 0, 0}));
            assertThat(merged.headExport()).isSameAs(merged.slot(0).export());
        }
        Recipe read = Recipe.read(recipe);
        assertThat(read.slots()).containsExactly(new Recipe.Slot(tmp.resolve("exports/a"), 2),
                new Recipe.Slot(tmp.resolve("exports/b"), 0), new Recipe.Slot(tmp.resolve("exports/b"), 0));
        Path copy = tmp.resolve("sub/copy.json");
        Files.createDirectories(copy.getParent());
        read.write(copy);
        assertThat(Files.readString(copy)).contains("\"../exports/a\"");
        assertThat(Recipe.read(copy)).isEqualTo(read);
    }

    @Test
    void yamlRecipesReadAndWriteLikeJson() throws Exception {
        Path recipe = tmp.resolve("merged.yaml");
        Files.writeString(recipe, """
                # a Frankenstein model: stem of b, head of a
                format: layershuffle-recipe
                version: 1
                stem: exports/b
                head: ./exports/a
                slots:
                  - export: exports/a
                    block: 2
                  - {export: exports/b, block: 0}
                  - export: exports/b
                    block: 0
                """);
        float[][][][] images = TestExport.images(a.config, 2, 5);
        try (LayerShuffleModel merged = LayerShuffleModel.compose(recipe)) {
            ExecutionPlan plan = ExecutionPlan.of(3, 2, 0, 1);
            assertLogits(merged.predict(images, plan),
                    expected(images, b, a, plan, List.of(a, b, b), new int[] {2, 0, 0}));
        }
        Recipe read = Recipe.read(recipe);
        assertThat(read.slots()).containsExactly(new Recipe.Slot(tmp.resolve("exports/a"), 2),
                new Recipe.Slot(tmp.resolve("exports/b"), 0), new Recipe.Slot(tmp.resolve("exports/b"), 0));
        Path yml = tmp.resolve("sub/copy.yml");
        Files.createDirectories(yml.getParent());
        read.write(yml);
        assertThat(Files.readString(yml)).contains("format: layershuffle-recipe", "export: ../exports/a")
                .doesNotContain("{");
        assertThat(Recipe.read(yml)).isEqualTo(read);
        Path json = tmp.resolve("sub/copy.json");
        read.write(json);
        assertThat(Files.readString(json)).startsWith("{");
        assertThat(Recipe.read(json)).isEqualTo(read);
    }

    @Test
    void badYamlRecipesNameTheFault() throws Exception {
        Path recipe = tmp.resolve("bad.yml");
        Files.writeString(recipe, "format: layershuffle-recipe\nversion: 1\nslots: [unclosed\n");
        assertThatThrownBy(() -> Recipe.read(recipe)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("bad.yml").hasMessageContaining("not valid YAML at line");
        Files.writeString(recipe, "- just\n- a list\n");
        assertThatThrownBy(() -> Recipe.read(recipe)).hasMessageContaining("YAML mapping");
        Files.writeString(recipe, "format: layershuffle-recipe\nversion: 1\nstem: exports/a\nhead: exports/a\n"
                + "slots:\n  - export: exports/a\n    block: \"2\"\n");
        assertThatThrownBy(() -> Recipe.read(recipe)).hasMessageContaining("slots[0].block")
                .hasMessageContaining("integer");
        Files.writeString(recipe, "format: layershuffle-recipe\nversion: 2\nstem: a\nhead: a\n"
                + "slots: [{export: a, block: 0}]\n");
        assertThatThrownBy(() -> Recipe.read(recipe)).hasMessageContaining("version 2");
    }

    @Test
    void badRecipesNameTheFault() throws Exception {
        Path recipe = tmp.resolve("bad.json");
        Files.writeString(recipe, "{\"format\":\"layershuffle-recipe\",\"version\":3,\"stem\":\"a\",\"head\":\"a\","
                + "\"slots\":[{\"export\":\"a\",\"block\":0}]}");
        assertThatThrownBy(() -> LayerShuffleModel.compose(recipe)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("bad.json").hasMessageContaining("version 3");
        Files.writeString(recipe, "{\"format\":\"layershuffle-recipe\",\"version\":1,\"stem\":\"exports/a\","
                + "\"head\":\"exports/a\",\"slots\":[{\"export\":\"exports/a\"}]}");
        assertThatThrownBy(() -> LayerShuffleModel.compose(recipe)).hasMessageContaining("slots[0].block");
        Files.writeString(recipe, "{\"format\":\"layershuffle-recipe\",\"version\":1,\"stem\":\"exports/a\","
                + "\"head\":\"exports/a\",\"slots\":[{\"export\":\"exports/b\",\"block\":4}]}");
        assertThatThrownBy(() -> LayerShuffleModel.compose(recipe))
                .hasMessageContaining("slot 0: block 4 is out of range [0, 4) of export");
        Files.writeString(recipe, "{\"format\":\"layershuffle-recipe\",\"version\":1,\"stem\":\"exports/a\","
                + "\"head\":\"exports/zzz\",\"slots\":[{\"export\":\"exports/b\",\"block\":0}]}");
        assertThatThrownBy(() -> LayerShuffleModel.compose(recipe)).hasMessageContaining("zzz")
                .hasMessageContaining("does not exist");
    }

    @Test
    void mismatchesAreRefusedNamingSlotPropertyAndBothValues() {
        ModelConfig base = a.config;
        Path otherFamily = new TestExport(base, "family-2", 1).write(tmp.resolve("fam"));
        Path wider = new TestExport(base.toBuilder().width(6).heads(2).build(), "family-1", 1).write(tmp.resolve("w"));
        Path moreTokens = new TestExport(base.toBuilder().imageSize(6).build(), "family-1", 1).write(tmp.resolve("t"));
        Path otherVariant = new TestExport(base.withVariant(Variant.LAYERSHUFFLE), "family-1", 1)
                .write(tmp.resolve("v"));
        Path deeper = new TestExport(base.toBuilder().depth(5).build(), "family-1", 1).write(tmp.resolve("d"));

        assertThatThrownBy(() -> LayerShuffleModel.compose().stem(dirA).slot(dirA, 0).slot(otherFamily, 1).head(dirA)
                .build()).isInstanceOf(IncompatibleBlocksException.class)
                .hasMessageContaining("slot 1").hasMessageContaining("block 1").hasMessageContaining("family")
                .hasMessageContaining("'family-2'").hasMessageContaining("'family-1'");
        assertThatThrownBy(() -> LayerShuffleModel.compose().stem(dirA).slot(wider, 0).head(dirA).build())
                .isInstanceOf(IncompatibleBlocksException.class).hasMessageContaining("slot 0")
                .hasMessageContaining("width 6 differs from 3");
        assertThatThrownBy(() -> LayerShuffleModel.compose().stem(dirA).slot(dirB, 0).head(moreTokens).build())
                .isInstanceOf(IncompatibleBlocksException.class).hasMessageContaining("head")
                .hasMessageContaining("token count 10 differs from 5");
        assertThatThrownBy(() -> LayerShuffleModel.compose().stem(dirA).slot(dirB, 0).slot(otherVariant, 2)
                .head(dirB).build()).isInstanceOf(IncompatibleBlocksException.class)
                .hasMessageContaining("slot 1").hasMessageContaining("variant layershuffle differs from "
                        + "layershuffle-position");
        assertThatThrownBy(() -> LayerShuffleModel.compose().stem(dirA).slot(deeper, 4).head(dirA).build())
                .isInstanceOf(IncompatibleBlocksException.class).hasMessageContaining("depth 5 differs from 4");
        assertThatThrownBy(() -> LayerShuffleModel.compose().stem(dirA).slot(dirA, 0).slot(dirA, 1).slot(dirA, 2)
                .slot(dirA, 3).slot(dirA, 0).head(dirA).build()).isInstanceOf(IncompatibleBlocksException.class)
                .hasMessageContaining("5 slots").hasMessageContaining("embeds only 4 slots");
        assertThatThrownBy(() -> LayerShuffleModel.compose().stem(dirA).head(dirA).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("slots");
    }

    @Test
    void composesFromLoadedModelsSharingTheirSessions() {
        float[][][][] images = TestExport.images(a.config, 2, 6);
        LayerShuffleModel modelA = LayerShuffleModel.load(dirA);
        LayerShuffleModel modelB = LayerShuffleModel.load(dirB);
        LayerShuffleModel merged = LayerShuffleModel.compose().stem(modelB).slot(modelA, 1).slot(modelB, 3)
                .slot(dirB, 2).head(modelA).build();
        ExecutionPlan plan = ExecutionPlan.sequential(3);
        double[][] want = expected(images, b, a, plan, List.of(a, b, b), new int[] {1, 3, 2});
        assertThat(merged.slot(0).export()).isSameAs(modelA.slot(1).export());
        assertThat(merged.stemExport()).isSameAs(modelB.stemExport());
        // a path naming a source model's directory shares that model's sessions
        assertThat(merged.slot(2).export()).isSameAs(modelB.slot(2).export());
        modelA.close();
        modelB.close();
        assertLogits(merged.predict(images, plan), want);
        // a second composition from a merged model: slot i of the source is the block in its slot i
        try (LayerShuffleModel again = LayerShuffleModel.compose().stem(merged).slot(merged, 2).slot(merged, 0)
                .head(merged).build()) {
            merged.close();
            assertLogits(again.predict(images, ExecutionPlan.sequential(2)),
                    expected(images, b, a, ExecutionPlan.sequential(2), List.of(b, a), new int[] {2, 1}));
        }
        assertThatThrownBy(() -> LayerShuffleModel.compose().stem(merged).slot(dirA, 0).head(dirA).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed LayerShuffleModel");
    }
}
