package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files of an export that are not what they claim: links out of the directory, FIFOs and directories, files
 * larger than the manifest says, a manifest too large or with arrays too long. Each manifest is consistent (its
 * hashes match), so only the defence under test can refuse it.
 */
class ExportFilesTest {
    @TempDir
    Path tmp;

    private TestExport export;
    private Path dir;

    @BeforeEach
    void write() {
        export = TestExport.of(Variant.LAYERSHUFFLE, 51);
        dir = export.write(tmp.resolve("export"));
    }

    @Test
    void aSymlinkToAFileOutsideIsRefusedWithoutTellingItsHashOrSize() throws Exception {
        // the attacker's manifest names the outside file's true hash, so that the hash check would pass
        byte[] outside = export.blockGraph(2);
        Path target = Files.write(tmp.resolve("outside.onnx"), outside);
        String hash = LoadedExport.sha256(outside);
        Path again = export.write(tmp.resolve("again"), m -> ((ObjectNode) m.get("blocks").get(2))
                .put("sha256", hash));
        Files.delete(again.resolve("block-02.onnx"));
        Files.createSymbolicLink(again.resolve("block-02.onnx"), target);
        assertThatThrownBy(() -> LayerShuffleModel.load(again)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("block-02.onnx").hasMessageContaining("leaves the export directory")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(target.toString())
                        .doesNotContain(outside.length + " bytes"));
        // and a wrong hash does not tell the outside file's hash either
        Path wrong = export.write(tmp.resolve("wrong"));
        Files.delete(wrong.resolve("head.onnx"));
        Files.createSymbolicLink(wrong.resolve("head.onnx"), target);
        assertThatThrownBy(() -> LayerShuffleModel.load(wrong)).isInstanceOf(LayerShuffleException.class)
                .satisfies(e -> assertThat(e.getMessage()).contains("head.onnx").doesNotContain(hash)
                        .doesNotContain(outside.length + " bytes"));
    }

    @Test
    void aSymlinkToADirectoryOutsideIsRefused() throws Exception {
        Path outsideDir = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.delete(dir.resolve("stem.onnx"));
        Files.createSymbolicLink(dir.resolve("stem.onnx"), outsideDir);
        assertThatThrownBy(() -> LayerShuffleModel.load(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("stem.onnx").hasMessageContaining("leaves the export directory");
    }

    @Test
    void aManifestLinkedFromOutsideIsRefused() throws Exception {
        Path other = export.write(tmp.resolve("other"));
        Files.delete(dir.resolve("manifest.json"));
        Files.createSymbolicLink(dir.resolve("manifest.json"), other.resolve("manifest.json"));
        assertThatThrownBy(() -> LayerShuffleModel.load(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("manifest.json").hasMessageContaining("leaves the export directory");
        assertThatThrownBy(() -> Manifest.read(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("leaves the export directory");
    }

    @Test
    void aLinkInsideTheExportAndALinkedExportDirectoryLoad() throws Exception {
        Files.move(dir.resolve("block-01.onnx"), dir.resolve("real-block.onnx"));
        Files.createSymbolicLink(dir.resolve("block-01.onnx"), Path.of("real-block.onnx"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);
        try (LayerShuffleModel model = LayerShuffleModel.load(link)) {
            assertThat(model.size()).isEqualTo(4);
        }
    }

    @Test
    void aSubdirectoryUnderAGraphsNameIsRefused() throws Exception {
        Files.delete(dir.resolve("head.onnx"));
        Files.createDirectory(dir.resolve("head.onnx"));
        assertThatThrownBy(() -> LayerShuffleModel.load(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("head.onnx").hasMessageContaining("not a regular file (it is a directory)");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // a hang guard: without the check, opening a FIFO blocks forever
    void fifosAreRefusedWithoutBlocking() throws Exception {
        mkfifo(dir.resolve("block-03.onnx"));
        assertThatThrownBy(() -> LayerShuffleModel.load(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("block-03.onnx").hasMessageContaining("not a regular file");
        Path fifoManifest = export.write(tmp.resolve("fifo-manifest"));
        mkfifo(fifoManifest.resolve("manifest.json"));
        assertThatThrownBy(() -> LayerShuffleModel.load(fifoManifest)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("manifest.json").hasMessageContaining("not a regular file");
    }

    private static void mkfifo(Path path) throws Exception {
        Files.deleteIfExists(path);
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("mkfifo is not available on this machine: " + e);
            return;
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Assumptions.assumeTrue(p.exitValue() == 0, "mkfifo failed on this file system");
    }

    @Test
    void aFileLargerThanTheManifestDeclaresIsRefusedBeforeItIsRead() throws Exception {
        byte[] block = export.blockGraph(0);
        Path again = export.write(tmp.resolve("again"), m -> ((ObjectNode) m.get("blocks").get(0))
                .put("bytes", block.length - 1));
        assertThatThrownBy(() -> LayerShuffleModel.load(again)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("block-00.onnx").hasMessageContaining(block.length + " bytes")
                .hasMessageContaining("the manifest's bytes (" + (block.length - 1) + " bytes)");
        Path shorter = export.write(tmp.resolve("shorter"), m -> ((ObjectNode) m.get("blocks").get(0))
                .put("bytes", block.length + 1));
        assertThatThrownBy(() -> LayerShuffleModel.load(shorter)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("block-00.onnx").hasMessageContaining("manifest says " + (block.length + 1));
        Path exact = export.write(tmp.resolve("exact"), m -> ((ObjectNode) m.get("blocks").get(0))
                .put("bytes", block.length));
        LayerShuffleModel.load(exact).close();
    }

    @Test
    void withoutADeclaredSizeTheRuntimeOptionsBoundTheRead() {
        long head = export.headGraph().length;
        RuntimeOptions small = RuntimeOptions.builder().maxGraphBytes(head - 1).build();
        assertThatThrownBy(() -> LayerShuffleModel.load(dir, small)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("RuntimeOptions.maxGraphBytes (" + (head - 1) + " bytes)");
        assertThatThrownBy(() -> RuntimeOptions.builder().maxGraphBytes(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxGraphBytes");
    }

    @Test
    void aManifestLargerThanTheCapIsRefusedBeforeParsing() throws Exception {
        Path big = export.write(tmp.resolve("big"), m -> m.put("producer", "x".repeat(Manifest.MAX_BYTES)));
        assertThatThrownBy(() -> LayerShuffleModel.load(big)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("manifest.json").hasMessageContaining("Manifest.MAX_BYTES")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(1000));
        assertThatThrownBy(() -> Manifest.parse(Files.readString(big.resolve("manifest.json")), "m"))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("Manifest.MAX_BYTES");
    }

    /**
     * The blocks cap is the deepest config: a manifest of {@code ModelConfig.MAX_DEPTH} blocks reads, one more is
     * refused by the cap before its entries are walked (it could never be valid: blocks must match the depth).
     */
    @Test
    void theBlocksCapIsTheDeepestConfig() {
        java.util.function.IntFunction<java.util.function.Consumer<ObjectNode>> deep = n -> m -> {
            ((ObjectNode) m.get("config")).put("depth", n);
            ArrayNode a = (ArrayNode) m.get("blocks");
            while (a.size() < n) {
                a.add(a.get(0).deepCopy());
            }
            for (int i = 0; i < n; i++) {
                ((ObjectNode) a.get(i)).put("index", i);
            }
        };
        int max = io.github.layershuffle.api.ModelConfig.MAX_DEPTH;
        Manifest deepest = Manifest.read(export.write(tmp.resolve("deepest"), deep.apply(max)));
        assertThat(deepest.blocks()).hasSize(max);
        assertThat(deepest.config().depth()).isEqualTo(Manifest.MAX_BLOCKS);
        assertThatThrownBy(() -> Manifest.read(export.write(tmp.resolve("deeper"), deep.apply(max + 1))))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("depth");
        Path moreBlocks = export.write(tmp.resolve("more"), m -> {
            ArrayNode a = (ArrayNode) m.get("blocks");
            while (a.size() <= max) {
                a.add(a.get(0));
            }
        });
        assertThatThrownBy(() -> Manifest.read(moreBlocks)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("'blocks' has " + (max + 1) + " entries");
    }

    @Test
    void longArraysAreRefusedByTheirCap() {
        Path blocks = export.write(tmp.resolve("blocks"), m -> {
            ArrayNode a = (ArrayNode) m.get("blocks");
            while (a.size() <= Manifest.MAX_BLOCKS) {
                a.add(a.get(0));
            }
        });
        assertThatThrownBy(() -> LayerShuffleModel.load(blocks)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("'blocks' has " + (Manifest.MAX_BLOCKS + 1) + " entries")
                .hasMessageContaining("Manifest.MAX_BLOCKS (" + Manifest.MAX_BLOCKS + ")");
        Path inputs = export.write(tmp.resolve("inputs"), m -> {
            ArrayNode a = (ArrayNode) m.get("head").get("inputs");
            while (a.size() <= Manifest.MAX_TENSORS) {
                a.add(a.get(0));
            }
        });
        assertThatThrownBy(() -> LayerShuffleModel.load(inputs)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("head").hasMessageContaining("Manifest.MAX_TENSORS");
        Path rank = export.write(tmp.resolve("rank"), m -> {
            ArrayNode shape = (ArrayNode) m.get("stem").get("inputs").get(0).get("shape");
            while (shape.size() <= Manifest.MAX_RANK) {
                shape.add(1);
            }
        });
        assertThatThrownBy(() -> LayerShuffleModel.load(rank)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("inputs[0].shape").hasMessageContaining("Manifest.MAX_RANK");
    }

    @Test
    void aHugeBadValueIsQuotedShortly() {
        Path bad = export.write(tmp.resolve("bad"), m -> m.put("format", "y".repeat(100_000)));
        assertThatThrownBy(() -> LayerShuffleModel.load(bad)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("format is 'yyy").hasMessageContaining("(100000 characters)")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(1000));
    }

    @Test
    void aDirectoryWithoutAManifestIsNotAnExportDirectory() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> LayerShuffleModel.load(empty)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("not an export directory").hasMessageContaining("manifest.json");
        assertThatThrownBy(() -> Manifest.read(empty)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("not an export directory");
    }

    @Test
    void versionZeroIsAnUnknownVersionNotANewerOne() {
        Path zero = export.write(tmp.resolve("zero"), m -> m.put("version", 0));
        assertThatThrownBy(() -> LayerShuffleModel.load(zero)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("version 0 is an unknown version")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("newer"));
        Path two = export.write(tmp.resolve("two"), m -> m.put("version", 2));
        assertThatThrownBy(() -> LayerShuffleModel.load(two)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("version 2 is newer than this library reads (1)");
    }

    @Test
    void aDeclaredSizeIsReadAndWrittenBack() {
        Path declared = export.write(tmp.resolve("declared"), Map.of(), m -> {
            for (String part : new String[] {"stem", "head"}) {
                ((ObjectNode) m.get(part)).put("bytes", Arrays.asList(export.stemGraph(), export.headGraph())
                        .get(part.equals("stem") ? 0 : 1).length);
            }
        });
        Manifest m = Manifest.read(declared);
        assertThat(m.stem().bytes()).isEqualTo(export.stemGraph().length);
        assertThat(m.blocks().get(0).bytes()).isEqualTo(-1);
        assertThat(Manifest.parse(m.toJson(), "again").head().bytes()).isEqualTo(export.headGraph().length);
    }
}
