package io.github.layershuffle.onnx.export;

import ai.onnx.proto.OnnxMl;

/** The element types our graphs use at their boundaries and in initializers. */
enum ElementType {
    /** IEEE 754 single precision, ONNX {@code tensor(float)}. */
    FLOAT32("float32", OnnxMl.TensorProto.DataType.FLOAT),
    /** Signed 64-bit integer, ONNX {@code tensor(int64)}: shapes, indices, the slot of a block. */
    INT64("int64", OnnxMl.TensorProto.DataType.INT64);

    private final String id;
    private final OnnxMl.TensorProto.DataType onnx;

    ElementType(String id, OnnxMl.TensorProto.DataType onnx) {
        this.id = id;
        this.onnx = onnx;
    }

    /** The name the manifest uses, e.g. {@code float32}. */
    String id() {
        return id;
    }

    /** The ONNX data type. */
    OnnxMl.TensorProto.DataType onnx() {
        return onnx;
    }
}
