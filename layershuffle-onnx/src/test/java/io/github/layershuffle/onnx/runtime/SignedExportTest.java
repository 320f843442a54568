package io.github.layershuffle.onnx.runtime;

import static io.github.layershuffle.onnx.runtime.LayerShuffleModelTest.assertLogits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.onnx.signing.ExportKeys;
import io.github.layershuffle.onnx.signing.ExportSignature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link RuntimeOptions.Builder#requireSignature}: signed exports load, everything else is refused by name. */
class SignedExportTest {
    private static final KeyPair KEY = ExportKeys.generate();
    private static final KeyPair OTHER = ExportKeys.generate();
    private static final RuntimeOptions REQUIRE = RuntimeOptions.builder().requireSignature(KEY.getPublic()).build();

    @TempDir
    Path tmp;

    /** Signs the manifest of {@code dir} with {@code key}, as the exporter does. */
    static Path sign(Path dir, PrivateKey key) {
        try {
            byte[] manifest = Files.readAllBytes(dir.resolve(Manifest.FILE_NAME));
            Files.write(dir.resolve(ExportSignature.FILE_NAME), ExportSignature.sign(manifest, key));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aSignedExportLoadsUnderItsKey() {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE, 1);
        Path dir = sign(export.write(tmp.resolve("e")), KEY.getPrivate());
        float[][][][] images = TestExport.images(export.config, 2, 3);
        try (LayerShuffleModel model = LayerShuffleModel.load(dir, REQUIRE)) {
            assertLogits(model.predict(images), export.logits(images, ExecutionPlan.sequential(4)));
        }
        RuntimeOptions either = RuntimeOptions.builder().requireSignature(OTHER.getPublic(), KEY.getPublic()).build();
        try (LayerShuffleModel model = LayerShuffleModel.load(dir, either)) {
            assertThat(model.size()).isEqualTo(4);
        }
        assertThat(either.signatureKeys()).hasSize(2);
        assertThat(either.toString()).contains("requireSignature=", ExportKeys.fingerprint(KEY.getPublic()));
        assertThat(RuntimeOptions.defaults().signatureKeys()).isEmpty();
    }

    @Test
    void anUnsignedExportIsRefused() {
        Path dir = TestExport.of(Variant.LAYERSHUFFLE, 1).write(tmp.resolve("unsigned"));
        try (LayerShuffleModel model = LayerShuffleModel.load(dir)) {
            assertThat(model.size()).isEqualTo(4); // loads when no signature is required
        }
        assertThatThrownBy(() -> LayerShuffleModel.load(dir, REQUIRE)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("export " + dir).hasMessageContaining("is not signed")
                .hasMessageContaining(ExportKeys.fingerprint(KEY.getPublic()));
    }

    @Test
    void anExportSignedByAnotherKeyIsRefused() {
        Path dir = sign(TestExport.of(Variant.LAYERSHUFFLE, 1).write(tmp.resolve("e")), OTHER.getPrivate());
        assertThatThrownBy(() -> LayerShuffleModel.load(dir, REQUIRE)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("export " + dir).hasMessageContaining("does not verify")
                .hasMessageContaining("signed by another key");
    }

    /**
     * The manifest changed after signing, each time so that every hash still matches its file: without a required
     * signature the tampered export loads; with one it is refused.
     */
    @ParameterizedTest
    @ValueSource(strings = {"swapped-block", "family", "reformatted"})
    void aManifestChangedAfterSigningIsRefused(String change) throws Exception {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE, 1);
        Path dir = sign(export.write(tmp.resolve("e")), KEY.getPrivate());
        byte[] signature = Files.readAllBytes(dir.resolve(ExportSignature.FILE_NAME));
        switch (change) {
            case "swapped-block" -> {
                // another model's block, with its hash in the manifest: the file checks pass
                Path other = TestExport.of(Variant.LAYERSHUFFLE, 2).write(tmp.resolve("other"));
                String sha256 = readManifest(other).withArray("blocks").get(0).get("sha256").asText();
                rewrite(dir, m -> ((ObjectNode) m.withArray("blocks").get(0)).put("file", "block-00-new.onnx")
                        .put("sha256", sha256));
                Files.copy(other.resolve("block-00.onnx"), dir.resolve("block-00-new.onnx"));
            }
            case "family" -> rewrite(dir, m -> m.put("family", "family-2"));
            case "reformatted" -> Files.writeString(dir.resolve(Manifest.FILE_NAME),
                    Files.readString(dir.resolve(Manifest.FILE_NAME)).replace("\n", "\r\n"));
            default -> throw new IllegalArgumentException(change);
        }
        Files.write(dir.resolve(ExportSignature.FILE_NAME), signature); // the old signature stays
        try (LayerShuffleModel model = LayerShuffleModel.load(dir)) {
            assertThat(model.size()).isEqualTo(4);
        }
        assertThatThrownBy(() -> LayerShuffleModel.load(dir, REQUIRE)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("export " + dir).hasMessageContaining("does not verify")
                .hasMessageContaining("changed after signing");
    }

    @Test
    void aDamagedSignatureFileIsRefused() throws Exception {
        Path dir = sign(TestExport.of(Variant.LAYERSHUFFLE, 1).write(tmp.resolve("e")), KEY.getPrivate());
        Path sig = dir.resolve(ExportSignature.FILE_NAME);
        byte[] good = Files.readAllBytes(sig);
        for (int bit : new int[] {0, 300, 511}) {
            byte[] flipped = good.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(sig, flipped);
            assertThatThrownBy(() -> LayerShuffleModel.load(dir, REQUIRE)).as("bit " + bit)
                    .isInstanceOf(LayerShuffleException.class).hasMessageContaining("does not verify");
        }
        for (int length : new int[] {0, 63, 65, 1 << 20}) {
            Files.write(sig, java.util.Arrays.copyOf(good, length));
            assertThatThrownBy(() -> LayerShuffleModel.load(dir, REQUIRE)).as("length " + length)
                    .isInstanceOf(LayerShuffleException.class).hasMessageContaining(ExportSignature.FILE_NAME)
                    .hasMessageContaining("expected the 64");
        }
        Files.delete(sig);
        Files.createDirectory(sig);
        assertThatThrownBy(() -> LayerShuffleModel.load(dir, REQUIRE)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("not a regular file");
    }

    @Test
    void aRecipeWithOneUnsignedExportIsRefused() throws Exception {
        Path a = sign(TestExport.of(Variant.LAYERSHUFFLE, 1).write(tmp.resolve("exports/a")), KEY.getPrivate());
        Path b = TestExport.of(Variant.LAYERSHUFFLE, 2).write(tmp.resolve("exports/b"));
        Path recipe = tmp.resolve("merged.json");
        Files.writeString(recipe, """
                {"format": "layershuffle-recipe", "version": 1, "stem": "exports/a", "head": "exports/a",
                 "slots": [{"export": "exports/a", "block": 0}, {"export": "exports/b", "block": 1}]}
                """);
        assertThatThrownBy(() -> LayerShuffleModel.compose(recipe, REQUIRE)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("exports/b").hasMessageContaining("is not signed");
        sign(b, KEY.getPrivate());
        try (LayerShuffleModel merged = LayerShuffleModel.compose(recipe, REQUIRE)) {
            assertThat(merged.size()).isEqualTo(2);
        }
        sign(b, OTHER.getPrivate());
        assertThatThrownBy(() -> LayerShuffleModel.compose(recipe, REQUIRE)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("exports/b").hasMessageContaining("does not verify");
    }

    @Test
    void aCompositionChecksExportsTakenFromLoadedModels() {
        Path a = sign(TestExport.of(Variant.LAYERSHUFFLE, 1).write(tmp.resolve("a")), KEY.getPrivate());
        try (LayerShuffleModel unchecked = LayerShuffleModel.load(a);
             LayerShuffleModel checked = LayerShuffleModel.load(a, REQUIRE)) {
            assertThatThrownBy(() -> LayerShuffleModel.compose().options(REQUIRE).stem(a).slot(unchecked, 0)
                    .head(a).build()).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("without a signature check");
            RuntimeOptions other = RuntimeOptions.builder().requireSignature(OTHER.getPublic()).build();
            assertThatThrownBy(() -> LayerShuffleModel.compose().options(other).stem(checked).slot(checked, 0)
                    .head(checked).build()).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("verified under another key");
            try (LayerShuffleModel merged = LayerShuffleModel.compose().options(REQUIRE).stem(checked)
                    .slot(checked, 1).slot(a, 0).head(a).build()) {
                assertThat(merged.size()).isEqualTo(2);
            }
        }
    }

    @Test
    void classpathExportsAreCheckedToo() throws Exception {
        Path dir = TestExport.of(Variant.LAYERSHUFFLE, 1).write(tmp.resolve("root/models/m"));
        try (URLClassLoader loader = new URLClassLoader(new URL[] {tmp.resolve("root").toUri().toURL()}, null)) {
            assertThatThrownBy(() -> LayerShuffleModel.loadResource(loader, "models/m", REQUIRE))
                    .isInstanceOf(LayerShuffleException.class).hasMessageContaining("classpath:models/m")
                    .hasMessageContaining("is not signed");
        }
        sign(dir, KEY.getPrivate());
        try (URLClassLoader loader = new URLClassLoader(new URL[] {tmp.resolve("root").toUri().toURL()}, null);
             LayerShuffleModel model = LayerShuffleModel.loadResource(loader, "models/m", REQUIRE)) {
            assertThat(model.size()).isEqualTo(4);
        }
    }

    @Test
    void requireSignatureTakesOnlyEd25519Keys() throws Exception {
        assertThatThrownBy(() -> RuntimeOptions.builder().requireSignature())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one");
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        assertThatThrownBy(() -> RuntimeOptions.builder().requireSignature(rsa.generateKeyPair().getPublic()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Ed25519");
        assertThatThrownBy(() -> RuntimeOptions.builder().requireSignature(KEY.getPublic(), null))
                .isInstanceOf(NullPointerException.class);
    }

    private static ObjectNode readManifest(Path dir) throws IOException {
        return (ObjectNode) Manifest.JSON.readTree(dir.resolve(Manifest.FILE_NAME).toFile());
    }

    private static void rewrite(Path dir, Consumer<ObjectNode> edit) throws IOException {
        ObjectNode m = readManifest(dir);
        edit.accept(m);
        Files.writeString(dir.resolve(Manifest.FILE_NAME), Manifest.JSON.writeValueAsString(m));
    }
}
