package io.github.layershuffle.onnx.runtime;

import static io.github.layershuffle.onnx.runtime.Manifest.FORMAT;
import static io.github.layershuffle.onnx.runtime.Manifest.JSON;
import static io.github.layershuffle.onnx.runtime.Manifest.MAX_BLOCKS;
import static io.github.layershuffle.onnx.runtime.Manifest.MAX_BYTES;
import static io.github.layershuffle.onnx.runtime.Manifest.MAX_RANK;
import static io.github.layershuffle.onnx.runtime.Manifest.MAX_TENSORS;
import static io.github.layershuffle.onnx.runtime.Manifest.checkCount;
import static io.github.layershuffle.onnx.runtime.Manifest.checkVersion;
import static io.github.layershuffle.onnx.runtime.Manifest.quote;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.onnx.runtime.Manifest.Graph;
import io.github.layershuffle.onnx.runtime.Manifest.TensorSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSON form of a {@link Manifest}: reading an untrusted text field by field (each array checked against its
 * cap before it is walked, each bad value quoted short), and writing it back as {@code docs/FORMATS.md} shows.
 */
final class ManifestJson {
    private ManifestJson() {
    }

    /** Parses a manifest's JSON text; errors name the field, not the source (the caller adds that). */
    static Manifest parse(String json) {
        if (json.length() > MAX_BYTES) {
            throw new LayerShuffleException("holds " + json.length() + " characters, more than "
                    + "Manifest.MAX_BYTES (" + MAX_BYTES + ")");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new LayerShuffleException("not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new LayerShuffleException("must be a JSON object");
        }
        String format = text(root, "format", true);
        if (!FORMAT.equals(format)) {
            throw new LayerShuffleException("format is " + quote(format) + ", expected '" + FORMAT + "'");
        }
        int version = integer(root, "version", true);
        checkVersion(version);
        JsonNode configNode = root.get("config");
        if (configNode == null || configNode.isNull()) {
            throw new LayerShuffleException("field 'config' is missing");
        }
        ModelConfig config = ModelConfig.fromJsonNode(configNode);
        JsonNode blocksNode = root.get("blocks");
        if (blocksNode == null || !blocksNode.isArray() || blocksNode.isEmpty()) {
            throw new LayerShuffleException("field 'blocks' is missing or not a non-empty array");
        }
        checkCount("blocks", blocksNode.size(), MAX_BLOCKS, "Manifest.MAX_BLOCKS");
        List<Graph> blocks = new ArrayList<>();
        for (int i = 0; i < blocksNode.size(); i++) {
            blocks.add(graph(blocksNode.get(i), "blocks[" + i + "]", true));
        }
        JsonNode full = root.get("full");
        return new Manifest(format, version, text(root, "family", true), text(root, "producer", false),
                integer(root, "opset", false), integer(root, "irVersion", false), config,
                graph(root.get("stem"), "stem", false), blocks, graph(root.get("head"), "head", false),
                full == null || full.isNull() ? null : graph(full, "full", false));
    }

    /** The JSON text of {@code m}. */
    static String write(Manifest m) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", m.format());
        root.put("version", m.version());
        root.put("family", m.family());
        root.put("producer", m.producer());
        root.put("opset", m.opset());
        root.put("irVersion", m.irVersion());
        root.set("config", m.config().toJsonNode());
        root.set("stem", graphJson(m.stem()));
        ArrayNode b = root.putArray("blocks");
        m.blocks().forEach(g -> b.add(graphJson(g)));
        root.set("head", graphJson(m.head()));
        if (m.full() != null) {
            root.set("full", graphJson(m.full()));
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new LayerShuffleException("cannot write manifest as JSON", e);
        }
    }

    private static ObjectNode graphJson(Graph g) {
        ObjectNode n = JSON.createObjectNode();
        if (g.index() != null) {
            n.put("index", g.index());
        }
        n.put("file", g.file());
        n.put("sha256", g.sha256());
        if (g.bytes() >= 0) {
            n.put("bytes", g.bytes());
        }
        n.set("inputs", specsJson(g.inputs()));
        n.set("outputs", specsJson(g.outputs()));
        return n;
    }

    private static ArrayNode specsJson(List<TensorSpec> specs) {
        ArrayNode a = JSON.createArrayNode();
        for (TensorSpec s : specs) {
            ObjectNode n = a.addObject();
            n.put("name", s.name());
            n.put("type", s.type());
            ArrayNode shape = n.putArray("shape");
            s.shape().forEach(shape::add);
        }
        return a;
    }

    private static Graph graph(JsonNode node, String field, boolean block) {
        if (node == null || node.isNull()) {
            throw new LayerShuffleException("field '" + field + "' is missing");
        }
        if (!node.isObject()) {
            throw new LayerShuffleException("field '" + field + "' must be an object");
        }
        try {
            Integer index = block ? integer(node, "index", true) : null;
            String file = text(node, "file", true);
            return new Graph(index, file, text(node, "sha256", true), size(node), specs(node, "inputs"),
                    specs(node, "outputs"));
        } catch (LayerShuffleException e) {
            throw new LayerShuffleException(field + ": " + e.getMessage(), e);
        }
    }

    private static List<TensorSpec> specs(JsonNode node, String field) {
        JsonNode array = node.get(field);
        if (array == null || !array.isArray()) {
            throw new LayerShuffleException("field '" + field + "' is missing or not an array");
        }
        checkCount(field, array.size(), MAX_TENSORS, "Manifest.MAX_TENSORS");
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonNode s = array.get(i);
            String where = field + "[" + i + "]";
            if (!s.isObject()) {
                throw new LayerShuffleException("field '" + where + "' must be an object");
            }
            JsonNode shape = s.get("shape");
            if (shape == null || !shape.isArray()) {
                throw new LayerShuffleException("field '" + where + ".shape' is missing or not an array");
            }
            checkCount(where + ".shape", shape.size(), MAX_RANK, "Manifest.MAX_RANK");
            List<Long> dims = new ArrayList<>();
            for (JsonNode d : shape) {
                if (!d.isIntegralNumber() || !d.canConvertToLong()) {
                    throw new LayerShuffleException("field '" + where + ".shape' must hold integers, has " + quote(d));
                }
                dims.add(d.asLong());
            }
            specs.add(new TensorSpec(text(s, "name", true, where), text(s, "type", true, where), dims));
        }
        return specs;
    }

    private static String text(JsonNode node, String field, boolean required) {
        return text(node, field, required, null);
    }

    private static String text(JsonNode node, String field, boolean required, String parent) {
        String name = parent == null ? field : parent + "." + field;
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new LayerShuffleException("field '" + name + "' is missing");
            }
            return "";
        }
        if (!v.isTextual()) {
            throw new LayerShuffleException("field '" + name + "' must be a string, was " + quote(v));
        }
        return v.asText();
    }

    private static int integer(JsonNode node, String field, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw new LayerShuffleException("field '" + field + "' is missing");
            }
            return 0;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new LayerShuffleException("field '" + field + "' must be an integer, was " + quote(v));
        }
        return v.asInt();
    }

    /** The optional {@code bytes} of a graph, -1 when left out. */
    private static long size(JsonNode node) {
        JsonNode v = node.get("bytes");
        if (v == null || v.isNull()) {
            return -1;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 1) {
            throw new LayerShuffleException("field 'bytes' must be an integer >= 1, was " + quote(v));
        }
        return v.asLong();
    }
}
