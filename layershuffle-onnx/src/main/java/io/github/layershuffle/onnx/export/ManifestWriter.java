package io.github.layershuffle.onnx.export;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes {@code manifest.json} of an export directory ({@code layershuffle-export}, version 1, as
 * {@code docs/FORMATS.md} specifies). The runtime's {@code Manifest} is its reader.
 */
final class ManifestWriter {
    /** The {@code format} value of a manifest. */
    static final String FORMAT = "layershuffle-export";
    /** The manifest version written. */
    static final int VERSION = 1;
    /** The manifest's file name inside an export directory. */
    static final String FILE = "manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ManifestWriter() {
    }

    /**
     * The manifest's UTF-8 bytes.
     *
     * @param full {@code model.onnx}, or {@code null} if it was not exported
     */
    static byte[] write(Checkpoint checkpoint, String producer, ExportedGraph stem, List<ExportedGraph> blocks,
                        ExportedGraph head, ExportedGraph full) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("family", checkpoint.family());
        root.put("variant", checkpoint.config().variant().id());
        root.put("producer", producer);
        root.put("opset", OnnxGraph.OPSET);
        root.put("irVersion", OnnxGraph.IR_VERSION);
        root.set("config", checkpoint.config().toJsonNode());
        ObjectNode source = root.putObject("checkpointMetadata");
        checkpoint.metadata().forEach(source::put);
        root.set("stem", graph(stem));
        ArrayNode list = root.putArray("blocks");
        for (int i = 0; i < blocks.size(); i++) {
            ObjectNode b = JSON.createObjectNode();
            b.put("index", i);
            b.setAll(graph(blocks.get(i)));
            list.add(b);
        }
        root.set("head", graph(head));
        if (full != null) {
            root.set("full", graph(full));
        }
        try {
            return JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new LayerShuffleException("cannot write the export manifest: " + e.getOriginalMessage(), e);
        }
    }

    private static ObjectNode graph(ExportedGraph g) {
        ObjectNode n = JSON.createObjectNode();
        n.put("file", g.file());
        n.put("sha256", g.sha256());
        n.put("bytes", g.bytes());
        n.set("inputs", ports(g.inputs()));
        n.set("outputs", ports(g.outputs()));
        return n;
    }

    private static ArrayNode ports(List<Port> ports) {
        ArrayNode a = JSON.createArrayNode();
        for (Port p : ports) {
            ObjectNode n = a.addObject();
            n.put("name", p.name());
            n.put("type", p.type().id());
            ArrayNode shape = n.putArray("shape");
            for (long d : p.shape()) {
                shape.add(d);
            }
        }
        return a;
    }
}
