package io.github.layershuffle.onnx.export;

import ai.onnx.proto.OnnxMl;
import java.util.Arrays;
import java.util.Objects;

/**
 * A graph input or output: its name, element type and shape, {@code -1} marking the dynamic batch axis
 * (ONNX {@code dim_param "batch"}). The manifest lists ports exactly as the graph declares them.
 *
 * @param name  the port's name, e.g. {@code tokens}
 * @param type  its element type
 * @param shape its dimensions; {@code []} for a scalar
 */
record Port(String name, ElementType type, long[] shape) {

    Port {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        shape = shape.clone();
        for (long d : shape) {
            if (d < 1 && d != -1) {
                throw new IllegalArgumentException("port '" + name + "' has dimension " + d + " in "
                        + Arrays.toString(shape) + "; dimensions are >= 1, or -1 for the batch axis");
            }
        }
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    OnnxMl.ValueInfoProto toValueInfo() {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder();
        for (long d : shape) {
            OnnxMl.TensorShapeProto.Dimension.Builder dim = s.addDimBuilder();
            if (d == -1) {
                dim.setDimParam(OnnxGraph.BATCH);
            } else {
                dim.setDimValue(d);
            }
        }
        OnnxMl.TypeProto.Tensor.Builder t = OnnxMl.TypeProto.Tensor.newBuilder()
                .setElemType(type.onnx().getNumber()).setShape(s);
        return OnnxMl.ValueInfoProto.newBuilder().setName(name)
                .setType(OnnxMl.TypeProto.newBuilder().setTensorType(t)).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Port p && name.equals(p.name) && type == p.type && Arrays.equals(shape, p.shape);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, Arrays.hashCode(shape));
    }

    @Override
    public String toString() {
        return name + ": " + type.id() + Arrays.toString(shape);
    }
}
