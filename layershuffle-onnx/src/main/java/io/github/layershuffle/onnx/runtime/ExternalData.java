package io.github.layershuffle.onnx.runtime;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.github.layershuffle.api.LayerShuffleException;
import java.util.Map;

/**
 * Refuses an ONNX model that keeps tensor data outside its own bytes ({@code data_location = EXTERNAL} with a
 * {@code location}). Sessions are created from bytes, so ONNX Runtime would resolve such a location against the
 * process's working directory: a hostile export could load any readable file of the host as weights. Exports of
 * this library never use external data, so any is refused outright, before a session is created.
 *
 * <p>The walk is generic over the protobuf messages: every {@code TensorProto} anywhere in the model is checked,
 * whether it is a graph initializer, a sparse initializer's values or indices, a node attribute ({@code t},
 * {@code tensors}, {@code sparse_tensor}), or inside a subgraph ({@code If}, {@code Loop}, {@code Scan}), a
 * function or training info. A field this library's ONNX schema does not know could hold a tensor it cannot see,
 * so a model with unknown fields is refused as well.
 */
final class ExternalData {

    private ExternalData() {
    }

    /**
     * Checks the model in {@code bytes}.
     *
     * @param name names the graph in messages, e.g. "block 3 (block-03.onnx) of export exports/a"
     * @throws LayerShuffleException naming the graph and the tensor if the bytes are not an ONNX model, a tensor
     *                               stores its data externally, or the model has fields this library does not know
     */
    static void refuse(byte[] bytes, String name) {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new LayerShuffleException(name + ": not a valid ONNX model (" + bytes.length + " bytes): "
                    + GraphSession.brief(e), e);
        }
        walk(model, "model", name);
    }

    private static void walk(Message m, String path, String name) {
        if (!m.getUnknownFields().asMap().isEmpty()) {
            throw new LayerShuffleException(name + ": " + path + " has protobuf field(s) "
                    + m.getUnknownFields().asMap().keySet() + " this library's ONNX schema does not know; refusing "
                    + "a model whose tensors it cannot all check");
        }
        if (m instanceof TensorProto t) {
            check(t, path, name);
        }
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            FieldDescriptor f = e.getKey();
            if (f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (f.isRepeated()) {
                int i = 0;
                for (Object child : (Iterable<?>) e.getValue()) {
                    walk((Message) child, path + "." + f.getName() + "[" + i++ + "]" + label(child), name);
                }
            } else {
                walk((Message) e.getValue(), path + "." + f.getName() + label(e.getValue()), name);
            }
        }
    }

    private static void check(TensorProto t, String path, String name) {
        boolean external = t.getDataLocation() == TensorProto.DataLocation.EXTERNAL;
        if (!external && t.getExternalDataCount() == 0) {
            return;
        }
        String location = t.getExternalDataList().stream().filter(kv -> "location".equals(kv.getKey()))
                .map(kv -> Manifest.quote(kv.getValue())).findFirst().orElse("not given");
        throw new LayerShuffleException(name + ": tensor " + Manifest.quote(t.getName()) + " (" + path
                + ") stores its data outside the model (data_location " + t.getDataLocation() + ", location "
                + location + "); external data is refused: an export's graphs must hold their tensors inline");
    }

    /** The name of a graph, node or tensor, to make the path readable. */
    private static String label(Object message) {
        if (message instanceof Message m) {
            for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
                if (f.getName().equals("name") && f.getJavaType() == FieldDescriptor.JavaType.STRING
                        && m.hasField(f)) {
                    return "{" + Manifest.quote(m.getField(f)) + "}";
                }
            }
        }
        return "";
    }
}
