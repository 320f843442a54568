package io.github.layershuffle.onnx.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OnnxTensor;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.IncompatibleBlocksException;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.NoBlockAvailableException;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.Classification;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.Prediction;
import io.github.layershuffle.onnx.runtime.Recipe;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.onnx.signing.ExportKeys;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java examples of {@code docs/GUIDE.md} and {@code docs/INSTALL.md}, compiled and run against the real API
 * on tiny exports (28x28 grey images, patch 7, width 8, 12 blocks). Each test holds one example as the guide
 * prints it; the guide's {@code Path.of("exports/ls")} and friends are the fixture's directories here. When an
 * example stops compiling or its assertions fail, the guide is wrong: fix the guide and this class together.
 */
class GuideSnippetsTest {
    private static final String FAMILY = "guide-family";

    @TempDir
    static Path dir;

    private static Path checkpointA;
    private static Path exportA;
    private static Path exportB;

    @BeforeAll
    static void exportTinyModels() {
        checkpointA = dir.resolve("a.safetensors");
        checkpoint(config(Variant.LAYERSHUFFLE), 1).write(checkpointA);
        exportA = OnnxExporter.create().export(checkpointA, dir.resolve("exports/a"));
        exportB = OnnxExporter.create().export(checkpoint(config(Variant.LAYERSHUFFLE), 2), dir.resolve("exports/b"));
    }

    // GUIDE "Execution policies in one minute"
    @Test
    void policiesInOneMinute() {
        Set<Integer> down = Set.of(7);

        ExecutionPolicy.sequential();                  // all blocks, trained order: [0, 1, ..., 11]
        ExecutionPolicy.random();                      // a fresh permutation for every pass (LayerShuffle)
        ExecutionPolicy.random(42);                    // the same, reproducible
        ExecutionPolicy.reversed();                    // [11, 10, ..., 0]
        ExecutionPolicy.fixed(11, 0, 5);               // exactly these blocks, in this order
        ExecutionPolicy.sequential().keep(6);          // the first six blocks (pruning)
        ExecutionPolicy.random().keep(6);              // six random blocks in random order
        ExecutionPolicy.sequential().drop(0.2);        // LayerDrop: skip each block with probability 0.2
        ExecutionPolicy.random().skipping(down::contains);   // leave out blocks whose node is down, asked every pass
        ExecutionPolicy.random().without(3, 7);        // never run blocks 3 and 7

        ExecutionPlan plan = ExecutionPolicy.random(42).plan(12);       // e.g. [4, 0, 11, 2, ...]
        ExecutionPlan same = ExecutionPlan.parse(plan.toString(), 12);  // plans are logged and replayed as text

        assertThat(same).isEqualTo(plan);
        assertThat(ExecutionPolicy.random(42).plan(12)).isEqualTo(plan);
        assertThat(ExecutionPolicy.reversed().plan(12).block(0)).isEqualTo(11);
        assertThat(ExecutionPolicy.sequential().keep(6).plan(12).blocks()).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(ExecutionPolicy.random().skipping(down::contains).plan(12).blocks()).doesNotContain(7);
        assertThat(ExecutionPolicy.random().without(3, 7).plan(12).blocks()).doesNotContain(3, 7).hasSize(10);
        assertThat(ExecutionPolicy.random().skipping(down::contains).keep(6).plan(12).blocks())
                .hasSize(6).doesNotContain(7);
    }

    // GUIDE "Export" -- from Java
    @Test
    void exportFromJava() {
        Path checkpoint = checkpointA;
        Path out = dir.resolve("exports/ls");

        Path export = OnnxExporter.builder()
                .optFullModel(true)                        // also write model.onnx, the whole model in order
                .build()
                .export(checkpoint, out);

        assertThat(export.resolve("manifest.json")).isRegularFile();
        assertThat(export.resolve("block-11.onnx")).isRegularFile();
        assertThat(export.resolve("model.onnx")).isRegularFile();
        assertThatThrownBy(() -> OnnxExporter.create().export(checkpoint, out))
                .isInstanceOf(LayerShuffleException.class);   // an existing export is not overwritten by default
    }

    // GUIDE "Signed exports" -- keygen, export --sign (here from Java), requireSignature
    @Test
    void signedExports() {
        KeyPair pair = ExportKeys.generate();
        ExportKeys.writePrivateKey(pair.getPrivate(), dir.resolve("keys/signing-key.pem"));
        ExportKeys.writePublicKey(pair.getPublic(), dir.resolve("keys/signing-key.pub.pem"));
        Path signed = OnnxExporter.builder()
                .optSigningKey(ExportKeys.readPrivateKey(dir.resolve("keys/signing-key.pem")))
                .build().export(checkpointA, dir.resolve("exports/signed"));
        float[][][][] images = new float[2][1][28][28];

        PublicKey trusted = ExportKeys.readPublicKey(dir.resolve("keys/signing-key.pub.pem"));
        RuntimeOptions options = RuntimeOptions.builder().requireSignature(trusted).build();
        try (LayerShuffleModel model = LayerShuffleModel.load(signed, options)) {
            Prediction p = model.predict(images);
            assertThat(p.batchSize()).isEqualTo(2);
        }
        assertThatThrownBy(() -> LayerShuffleModel.load(exportA, options))       // unsigned: refused
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("is not signed");
    }

    // GUIDE "Embed" -- load, predict under policies
    @Test
    void embed() {
        Path exportDir = exportA;
        try (LayerShuffleModel model = LayerShuffleModel.load(exportDir)) {
            float[][][][] images = new float[8][1][28][28];              // [batch, C, H, W], values in [0, 1]

            Prediction inOrder = model.predict(images);                  // every block, in trained order
            Prediction shuffled = model.predict(images, ExecutionPolicy.random(42));
            Prediction pruned = model.predict(images, ExecutionPolicy.sequential().keep(6));

            System.out.println(shuffled.plan() + " -> " + shuffled.predictedLabels());
            List<Classification> top3 = inOrder.topK(0, 3);              // most likely classes of image 0

            assertThat(inOrder.plan().isSequential()).isTrue();
            assertThat(shuffled.plan().size()).isEqualTo(12);
            assertThat(pruned.plan().blocks()).containsExactly(0, 1, 2, 3, 4, 5);
            assertThat(top3).hasSize(3);
            assertThat(inOrder.batchSize()).isEqualTo(8);
            assertThat(model.labels()).hasSize(10);
        }
    }

    // GUIDE "Embed" -- blocks whose node is down, fixed and replayed plans
    @Test
    void policiesForUnreliableBlocks() {
        try (LayerShuffleModel model = LayerShuffleModel.load(exportA)) {
            float[][][][] images = new float[2][1][28][28];

            Set<Integer> down = ConcurrentHashMap.newKeySet();           // kept up to date by your health checks
            ExecutionPolicy policy = ExecutionPolicy.random().skipping(down::contains);
            down.add(7);
            Prediction p = model.predict(images, policy);                // block 7 does not run
            System.out.println("ran " + p.plan());

            Prediction fixed = model.predict(images, ExecutionPolicy.fixed(11, 0, 5));
            Prediction again = model.predict(images, ExecutionPlan.parse(p.plan().toString(), model.size()));

            assertThat(p.plan().blocks()).doesNotContain(7).hasSize(11);
            assertThat(fixed.plan().blocks()).containsExactly(11, 0, 5);
            assertThat(again.logits()).isDeepEqualTo(p.logits());
            for (int b = 0; b < 12; b++) {
                down.add(b);
            }
            assertThatThrownBy(() -> model.predict(images, policy)).isInstanceOf(NoBlockAvailableException.class);
        }
    }

    // GUIDE "Embed" -- pixels from a buffer
    @Test
    void predictFromBuffer() {
        try (LayerShuffleModel model = LayerShuffleModel.load(exportA)) {
            FloatBuffer pixels = FloatBuffer.allocate(4 * 28 * 28);      // 4 images, row-major [4, 1, 28, 28]
            Prediction p = model.predict(pixels, new long[] {4, 1, 28, 28}, ExecutionPolicy.random(7));
            assertThat(p.predictedClasses()).hasSize(4);
        }
    }

    // GUIDE "Embed" -- tokens between blocks, e.g. to run blocks elsewhere
    @Test
    void tokensBetweenBlocks() throws Exception {
        try (LayerShuffleModel model = LayerShuffleModel.load(exportA)) {
            float[][][][] images = new float[2][1][28][28];
            ExecutionPlan plan = ExecutionPolicy.random(3).plan(model.size());

            float[][] logits;
            try (OnnxTensor tokens = model.stem(images);                  // [batch, T, D]
                 OnnxTensor out = model.run(tokens, plan)) {              // the blocks of the plan, in order
                logits = model.head(out);                                 // [batch, classes]
            }

            assertThat(logits).isDeepEqualTo(model.predict(images, plan).logits());
        }
    }

    // GUIDE "Embed" -- runtime options
    @Test
    void runtimeOptions() {
        RuntimeOptions options = RuntimeOptions.builder().intraOpThreads(2).build();
        try (LayerShuffleModel model = LayerShuffleModel.load(exportA, options)) {
            assertThat(model.size()).isEqualTo(12);
        }
    }

    // INSTALL "CUDA": with the CPU artifact, asking for CUDA fails instead of falling back
    @Test
    void cudaWithoutTheGpuArtifactFailsLoudly() {
        RuntimeOptions gpu = RuntimeOptions.builder().cuda(0).build();   // CUDA device 0
        assertThatThrownBy(() -> {
            try (LayerShuffleModel model = LayerShuffleModel.load(exportA, gpu)) {
                model.predict(new float[1][1][28][28]);
            }
        }).isInstanceOf(LayerShuffleException.class).hasMessageContaining("onnxruntime_gpu");
    }

    // GUIDE "Embed" -- an export bundled as a classpath resource
    @Test
    void loadFromClasspath() throws Exception {
        Path resources = dir.resolve("resources");
        Path bundled = Files.createDirectories(resources.resolve("models/fashion"));
        try (var files = Files.list(exportA)) {
            for (Path f : files.toList()) {
                Files.copy(f, bundled.resolve(f.getFileName()));
            }
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {resources.toUri().toURL()}, null)) {
            try (LayerShuffleModel model = LayerShuffleModel.loadResource(loader, "models/fashion",
                    RuntimeOptions.defaults())) {
                assertThat(model.size()).isEqualTo(12);
            }
        }
    }

    // GUIDE "Compose" -- from code
    @Test
    void composeFromCode() {
        Path a = exportA;
        Path b = exportB;

        try (LayerShuffleModel merged = LayerShuffleModel.compose()
                .stem(a)
                .slot(a, 0).slot(b, 1).slot(b, 1).slot(a, 3)             // any order, repeats allowed
                .head(b)
                .build()) {
            Prediction p = merged.predict(new float[2][1][28][28], ExecutionPolicy.random(1));
            System.out.println(merged + ": " + p.plan());

            assertThat(merged.size()).isEqualTo(4);
            assertThat(merged.family()).isEqualTo(FAMILY);
            assertThat(p.plan().size()).isEqualTo(4);
        }
    }

    // GUIDE "Compose" -- blocks of another family are refused
    @Test
    void composeRefusesAnotherFamily() {
        Path other = OnnxExporter.create().export(
                new Checkpoint(config(Variant.LAYERSHUFFLE), "another-family", Map.of(),
                        checkpoint(config(Variant.LAYERSHUFFLE), 3).tensors()),
                dir.resolve("exports/other"));
        assertThatThrownBy(() -> LayerShuffleModel.compose().stem(exportA).slot(other, 0).head(exportA).build())
                .isInstanceOf(IncompatibleBlocksException.class)
                .hasMessageContaining("slot 0")
                .hasMessageContaining("family");
    }

    // GUIDE "Compose" -- from a recipe
    @Test
    void composeFromRecipe() {
        Path exports = dir.resolve("exports");
        Path recipeFile = dir.resolve("merged.json");

        Recipe recipe = new Recipe(exports.resolve("a"), exports.resolve("b"), List.of(
                new Recipe.Slot(exports.resolve("a"), 0),
                new Recipe.Slot(exports.resolve("b"), 1),
                new Recipe.Slot(exports.resolve("b"), 1)));
        recipe.write(recipeFile);                                        // paths relative to the recipe file

        try (LayerShuffleModel merged = LayerShuffleModel.compose(recipeFile)) {
            Prediction p = merged.predict(new float[1][1][28][28], ExecutionPolicy.reversed());
            assertThat(p.plan().blocks()).containsExactly(2, 1, 0);
        }
        assertThat(Recipe.read(recipeFile)).isEqualTo(recipe);
    }

    // GUIDE "Compose" -- the same blocks composed equal the original model
    @Test
    void composingAllBlocksOfOneExportGivesTheSameModel() {
        float[][][][] images = images(3, 5);
        try (LayerShuffleModel model = LayerShuffleModel.load(exportA)) {
            var c = LayerShuffleModel.compose().stem(model).head(model);
            for (int i = 0; i < model.size(); i++) {
                c.slot(model, i);
            }
            try (LayerShuffleModel same = c.build()) {
                ExecutionPlan plan = ExecutionPolicy.random(9).plan(12);
                float[][] expected = model.predict(images, plan).logits();
                float[][] actual = same.predict(images, plan).logits();
                for (int b = 0; b < expected.length; b++) {
                    for (int k = 0; k < expected[b].length; k++) {
                        assertThat(actual[b][k]).isCloseTo(expected[b][k], within(0f));
                    }
                }
            }
        }
    }

    // GUIDE "Embed" -- LayerShuffle-predict models report which slot each block thinks it ran in
    @Test
    void slotPredictions() {
        Path predict = OnnxExporter.create().export(checkpoint(config(Variant.LAYERSHUFFLE_PREDICT), 4),
                dir.resolve("exports/predict"));
        try (LayerShuffleModel model = LayerShuffleModel.load(predict)) {
            Prediction p = model.predict(images(2, 1), ExecutionPolicy.random(5));
            int[][] slots = p.predictedSlots();                         // [image][slot]: the slot each block guessed
            System.out.printf("slot accuracy %.2f%n", p.slotAccuracy());

            assertThat(p.hasSlotPredictions()).isTrue();
            assertThat(slots).hasDimensions(2, 12);
            assertThat(p.slotAccuracy()).isBetween(0.0, 1.0);
        }
    }

    private static ModelConfig config(Variant variant) {
        return ModelConfig.builder().imageSize(28).channels(1).patchSize(7).width(8).depth(12).heads(2)
                .mlpWidth(16).classes(10).variant(variant)
                .labels(List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                        "Bag", "Ankle boot"))
                .build();
    }

    /** A checkpoint of family {@link #FAMILY} with small random weights. */
    private static Checkpoint checkpoint(ModelConfig config, long seed) {
        Random random = new Random(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        VitLayout.shapes(config).forEach((name, shape) -> {
            float[] data = new float[Math.toIntExact(Tensor.elementCount(shape))];
            boolean normWeight = name.contains("norm") && name.endsWith(".weight");
            for (int i = 0; i < data.length; i++) {
                data[i] = (normWeight ? 1 : 0) + (float) random.nextGaussian() * 0.2f;
            }
            tensors.put(name, new Tensor(name, shape, data));
        });
        return new Checkpoint(config, FAMILY, Map.of("epoch", "1"), tensors);
    }

    private static float[][][][] images(int batch, long seed) {
        Random random = new Random(seed);
        float[][][][] images = new float[batch][1][28][28];
        for (float[][][] image : images) {
            for (float[] row : image[0]) {
                for (int x = 0; x < row.length; x++) {
                    row[x] = random.nextFloat();
                }
            }
        }
        return images;
    }
}
