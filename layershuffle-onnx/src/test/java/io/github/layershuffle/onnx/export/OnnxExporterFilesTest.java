package io.github.layershuffle.onnx.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.TensorInfo;
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
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The export directory: manifest, hashes, ONNX headers, and the all-or-nothing write. */
class OnnxExporterFilesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(Variant.class)
    void manifestDescribesEveryFileAndMatchesTheGraphs(Variant variant) throws Exception {
        ModelConfig config = TinyModels.config(variant, 3);
        Checkpoint ckpt = TinyModels.checkpoint(config, 3);
        Path dir = OnnxExporter.builder().optFullModel(true).build().export(ckpt, tmp.resolve("out"));
        JsonNode m = JSON.readTree(dir.resolve("manifest.json").toFile());

        assertThat(m.get("format").asText()).isEqualTo("layershuffle-export");
        assertThat(m.get("version").asInt()).isEqualTo(1);
        assertThat(m.get("family").asText()).isEqualTo("family-3");
        assertThat(m.get("variant").asText()).isEqualTo(variant.id());
        assertThat(m.get("producer").asText()).isEqualTo(OnnxExporter.producer()).startsWith("layershuffle ")
                .doesNotContain("${").doesNotEndWith("unknown");
        assertThat(m.get("opset").asInt()).isEqualTo(17);
        assertThat(m.get("irVersion").asInt()).isEqualTo(8);
        assertThat(ModelConfig.fromJsonNode(m.get("config"))).isEqualTo(config);
        assertThat(m.get("checkpointMetadata").get("epoch").asText()).isEqualTo("7");

        List<String> files = new ArrayList<>(List.of("manifest.json", "stem.onnx", "head.onnx", "model.onnx"));
        checkGraph(dir, m.get("stem"), "stem.onnx", List.of("pixels:float32:[-1,3,8,8]"),
                List.of("tokens:float32:[-1,5,16]"));
        assertThat(m.get("blocks")).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonNode b = m.get("blocks").get(i);
            assertThat(b.get("index").asInt()).isEqualTo(i);
            List<String> in = new ArrayList<>(List.of("tokens:float32:[-1,5,16]"));
            List<String> out = new ArrayList<>(List.of("tokens_out:float32:[-1,5,16]"));
            if (variant.usesPosition()) {
                in.add("position:int64:[]");
            }
            if (variant.predictsPosition()) {
                out.add("position_logits:float32:[-1,3]");
            }
            checkGraph(dir, b, "block-0" + i + ".onnx", in, out);
            files.add("block-0" + i + ".onnx");
        }
        checkGraph(dir, m.get("head"), "head.onnx", List.of("tokens:float32:[-1,5,16]"),
                List.of("logits:float32:[-1,5]"));
        checkGraph(dir, m.get("full"), "model.onnx", List.of("pixels:float32:[-1,3,8,8]"),
                List.of("logits:float32:[-1,5]"));
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(files);
        }
        assertThat(siblings()).containsExactly("out");
    }

    /** Hash, ONNX header and ports as ORT sees them, all against the manifest entry. */
    private static void checkGraph(Path dir, JsonNode entry, String file, List<String> inputs, List<String> outputs)
            throws Exception {
        assertThat(entry.get("file").asText()).isEqualTo(file);
        byte[] bytes = Files.readAllBytes(dir.resolve(file));
        String sha = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
        assertThat(entry.get("sha256").asText()).isEqualTo(sha);
        assertThat(entry.get("bytes").asLong()).as("bytes of " + file).isEqualTo(bytes.length);
        assertThat(ports(entry.get("inputs"))).containsExactlyElementsOf(inputs);
        assertThat(ports(entry.get("outputs"))).containsExactlyElementsOf(outputs);

        OnnxMl.ModelProto model = OnnxMl.ModelProto.parseFrom(bytes);
        assertThat(model.getIrVersion()).isEqualTo(8);
        assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(17);
        assertThat(model.getMetadataPropsList()).extracting(OnnxMl.StringStringEntryProto::getKey)
                .contains("layershuffle.family", "layershuffle.part", "layershuffle.config");
        try (Ort ort = Ort.open(bytes)) {
            assertThat(ortPorts(ort.session().getInputInfo())).containsExactlyElementsOf(inputs);
            assertThat(ortPorts(ort.session().getOutputInfo())).containsExactlyElementsOf(outputs);
        }
    }

    private static List<String> ports(JsonNode list) {
        List<String> out = new ArrayList<>();
        for (JsonNode p : list) {
            out.add(p.get("name").asText() + ":" + p.get("type").asText() + ":" + p.get("shape").toString());
        }
        return out;
    }

    private static List<String> ortPorts(Map<String, NodeInfo> infos) {
        List<String> out = new ArrayList<>();
        for (NodeInfo n : infos.values()) {
            TensorInfo t = (TensorInfo) n.getInfo();
            String type = switch (t.type) {
                case FLOAT -> "float32";
                case INT64 -> "int64";
                default -> t.type.toString();
            };
            out.add(n.getName() + ":" + type + ":" + java.util.Arrays.toString(t.getShape()).replace(" ", ""));
        }
        return out;
    }

    @Test
    void exportIsDeterministicAndModelOnnxIsOptional() throws Exception {
        Checkpoint ckpt = TinyModels.checkpoint(TinyModels.config(Variant.LAYERSHUFFLE_PREDICT, 1), 1);
        Path a = OnnxExporter.create().export(ckpt, tmp.resolve("a"));
        Path b = OnnxExporter.create().export(ckpt, tmp.resolve("nested/dirs/b"));
        assertThat(a).isAbsolute();
        assertThat(Files.exists(a.resolve("model.onnx"))).isFalse();
        assertThat(JSON.readTree(a.resolve("manifest.json").toFile()).has("full")).isFalse();
        for (String f : List.of("manifest.json", "stem.onnx", "block-00.onnx", "block-02.onnx", "head.onnx")) {
            assertThat(Files.readAllBytes(b.resolve(f))).as(f).isEqualTo(Files.readAllBytes(a.resolve(f)));
        }
    }

    @Test
    void exportsFromACheckpointFile() throws Exception {
        Checkpoint ckpt = TinyModels.checkpoint(TinyModels.config(Variant.BASELINE, 1), 2);
        Path file = tmp.resolve("ckpt.safetensors");
        ckpt.write(file);
        Path dir = OnnxExporter.create().export(file, tmp.resolve("out"));
        assertThat(JSON.readTree(dir.resolve("manifest.json").toFile()).get("family").asText())
                .isEqualTo("family-2");
    }

    @Test
    void aCheckpointMissingATensorLeavesNoDirectory() throws Exception {
        Checkpoint ckpt = TinyModels.checkpoint(TinyModels.config(Variant.LAYERSHUFFLE_POSITION, 1), 2);
        Path good = tmp.resolve("good.safetensors");
        ckpt.write(good);
        SafetensorsFile st = Safetensors.read(good);
        Map<String, Tensor> tensors = new LinkedHashMap<>(st.tensors());
        tensors.remove("encoder.slot_table");
        Path bad = tmp.resolve("bad.safetensors");
        Safetensors.write(bad, st.metadata(), tensors.values());

        assertThatThrownBy(() -> OnnxExporter.create().export(bad, tmp.resolve("out")))
                .isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("bad.safetensors").hasMessageContaining("encoder.slot_table");
        assertThat(siblings()).containsExactlyInAnyOrder("good.safetensors", "bad.safetensors");
    }

    @Test
    void anExportThatFailsHalfWayLeavesNoDirectory() {
        Checkpoint ckpt = TinyModels.checkpoint(TinyModels.config(Variant.BASELINE, 1), 2);
        OnnxExporter failing = failingAfter("block-01.onnx", false);
        assertThatThrownBy(() -> failing.export(ckpt, tmp.resolve("out")))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("disk full");
        assertThat(siblings()).isEmpty();
    }

    @Test
    void anExistingDirectoryIsRefusedWithoutOverwrite() throws Exception {
        Checkpoint ckpt = TinyModels.checkpoint(TinyModels.config(Variant.BASELINE, 1), 2);
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> OnnxExporter.create().export(ckpt, out))
                .isInstanceOf(LayerShuffleException.class)
                .hasMessage("export directory " + out + " already exists; enable overwrite to replace it");
        assertThat(Files.readString(out.resolve("notes.txt"))).isEqualTo("mine");

        OnnxExporter overwriting = OnnxExporter.builder().optOverwrite(true).build();
        assertThatThrownBy(() -> overwriting.export(ckpt, out))
                .hasMessageContaining("is not an export directory");
        Path file = Files.writeString(tmp.resolve("file"), "x");
        assertThatThrownBy(() -> overwriting.export(ckpt, file)).hasMessageContaining("is not a directory");
        assertThat(siblings()).containsExactlyInAnyOrder("out", "file");

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        overwriting.export(ckpt, empty);
        assertThat(empty.resolve("manifest.json")).exists();
    }

    @Test
    void overwriteReplacesAnExportOnlyOnceTheNewOneIsComplete() throws Exception {
        Checkpoint first = TinyModels.checkpoint(TinyModels.config(Variant.BASELINE, 1), 1);
        Checkpoint second = TinyModels.checkpoint(TinyModels.config(Variant.LAYERSHUFFLE_PREDICT, 3), 2);
        Path out = OnnxExporter.builder().optFullModel(true).build().export(first, tmp.resolve("out"));
        byte[] manifest = Files.readAllBytes(out.resolve("manifest.json"));

        assertThatThrownBy(() -> failingAfter("head.onnx", true).export(second, out))
                .isInstanceOf(LayerShuffleException.class);
        assertThat(Files.readAllBytes(out.resolve("manifest.json"))).isEqualTo(manifest);
        assertThat(out.resolve("model.onnx")).exists();
        assertThat(siblings()).containsExactly("out");

        OnnxExporter.builder().optOverwrite(true).build().export(second, out);
        JsonNode m = JSON.readTree(out.resolve("manifest.json").toFile());
        assertThat(m.get("family").asText()).isEqualTo("family-2");
        assertThat(out.resolve("model.onnx")).doesNotExist();
        assertThat(siblings()).containsExactly("out");
    }

    private static OnnxExporter failingAfter(String name, boolean overwrite) {
        return OnnxExporter.builder().optOverwrite(overwrite).afterEachFile(file -> {
            if (file.getFileName().toString().equals(name)) {
                throw new IOException("disk full");
            }
        }).build();
    }

    private List<String> siblings() {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.map(p -> p.getFileName().toString()).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
