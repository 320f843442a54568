package io.github.layershuffle.onnx.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * One typed node attribute. Made only through the static factories, so its value always matches its
 * {@link Type}; {@link OnnxOperator} checks name and type before a node is emitted.
 *
 * @param name  the attribute's ONNX name, e.g. {@code axis}
 * @param type  its ONNX type
 * @param value a {@code Long}, {@code Float}, {@code long[]} or {@code String}, as {@code type} says
 */
record Attr(String name, Type type, Object value) {

    /** The attribute types our operators use. */
    enum Type {
        INT, FLOAT, INTS, STRING
    }

    Attr {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(value, "value");
    }

    /** An {@code INT} attribute. */
    static Attr of(String name, long value) {
        return new Attr(name, Type.INT, value);
    }

    /** A {@code FLOAT} attribute. */
    static Attr of(String name, float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException("attribute '" + name + "' must be finite, was " + value);
        }
        return new Attr(name, Type.FLOAT, value);
    }

    /** A {@code STRING} attribute. */
    static Attr of(String name, String value) {
        return new Attr(name, Type.STRING, value);
    }

    /** An {@code INTS} attribute. */
    static Attr ints(String name, long... values) {
        return new Attr(name, Type.INTS, values.clone());
    }

    OnnxMl.AttributeProto toProto() {
        OnnxMl.AttributeProto.Builder b = OnnxMl.AttributeProto.newBuilder().setName(name);
        switch (type) {
            case INT -> b.setType(OnnxMl.AttributeProto.AttributeType.INT).setI((Long) value);
            case FLOAT -> b.setType(OnnxMl.AttributeProto.AttributeType.FLOAT).setF((Float) value);
            case STRING -> b.setType(OnnxMl.AttributeProto.AttributeType.STRING)
                    .setS(ByteString.copyFrom((String) value, StandardCharsets.UTF_8));
            case INTS -> {
                b.setType(OnnxMl.AttributeProto.AttributeType.INTS);
                for (long v : (long[]) value) {
                    b.addInts(v);
                }
            }
            default -> throw new IllegalStateException("unhandled attribute type " + type);
        }
        return b.build();
    }

    @Override
    public String toString() {
        return name + "=" + (value instanceof long[] a ? Arrays.toString(a) : value);
    }
}
