package io.github.layershuffle.onnx.export;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One ONNX graph under construction: it owns the names in the graph, refuses values of other graphs, and
 * checks every node against its {@link OnnxOperator} before emitting it. The opset and IR version are pinned
 * here, once, for every graph the library writes.
 *
 * <pre>{@code
 * OnnxGraph g = new OnnxGraph("demo");
 * OnnxGraph.Value x = g.input("x", ElementType.FLOAT32, -1, 4);
 * OnnxGraph.Value y = g.op(OnnxOperator.SOFTMAX, "probs", List.of(x), Attr.of("axis", -1));
 * g.output("y", y, ElementType.FLOAT32, -1, 4);
 * byte[] onnx = g.build("test", Map.of()).toByteArray();
 * }</pre>
 *
 * <p>Not thread-safe: one thread builds one graph.
 */
final class OnnxGraph {
    /** The ONNX opset of the default domain every graph imports. */
    static final int OPSET = 17;
    /** The ONNX IR version every model declares (IR 8 goes with opset 17, ONNX 1.12). */
    static final long IR_VERSION = 8;
    /** The {@code dim_param} of the dynamic batch axis. */
    static final String BATCH = "batch";
    /** The producer name models carry. */
    static final String PRODUCER = "layershuffle";

    /** A tensor in one graph: a graph input, an initializer or a node output. */
    static final class Value {
        private final OnnxGraph owner;
        private final String name;

        private Value(OnnxGraph owner, String name) {
            this.owner = owner;
            this.name = name;
        }

        /** The name the value was created under (an output may publish it under another). */
        String name() {
            return name;
        }

        @Override
        public String toString() {
            return name + " (in graph " + owner.graphName + ")";
        }
    }

    private record Node(OnnxOperator op, String name, List<Value> inputs, List<Value> outputs, List<Attr> attrs) {
    }

    private final String graphName;
    private final Set<String> names = new HashSet<>();
    private final Map<String, Integer> counters = new HashMap<>();
    private final Set<Value> produced = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Value, String> published = new IdentityHashMap<>();
    private final List<Port> inputs = new ArrayList<>();
    private final List<Port> outputs = new ArrayList<>();
    private final List<OnnxMl.TensorProto> initializers = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();

    /** A graph called {@code graphName}. */
    OnnxGraph(String graphName) {
        this.graphName = Objects.requireNonNull(graphName, "graphName");
    }

    /** The graph inputs declared so far, in order. */
    List<Port> inputs() {
        return List.copyOf(inputs);
    }

    /** The graph outputs declared so far, in order. */
    List<Port> outputs() {
        return List.copyOf(outputs);
    }

    /**
     * Declares a graph input; {@code -1} in {@code shape} is the dynamic batch axis.
     *
     * @throws IllegalArgumentException if the name is taken or the shape is invalid
     */
    Value input(String name, ElementType type, long... shape) {
        Port port = new Port(name, type, shape);
        claim(name);
        inputs.add(port);
        return new Value(this, name);
    }

    /**
     * A float32 initializer holding {@code data} in row-major order, stored as raw little-endian bytes.
     * The name is made unique if taken.
     *
     * @throws IllegalArgumentException if {@code data} does not fit {@code shape}
     */
    Value initializer(String name, long[] shape, float[] data) {
        checkCount(name, shape, data.length);
        ByteBuffer bytes = ByteBuffer.allocate(Math.multiplyExact(data.length, Float.BYTES))
                .order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(data);
        return addInitializer(name, ElementType.FLOAT32, shape, bytes.array());
    }

    /** A 1-D int64 constant, e.g. a target shape for {@link OnnxOperator#RESHAPE}. */
    Value ints(String name, long... values) {
        return int64(name, new long[] {values.length}, values);
    }

    /** A 0-D (scalar) int64 constant, e.g. an index for {@link OnnxOperator#GATHER} that drops the axis. */
    Value scalar(String name, long value) {
        return int64(name, new long[0], new long[] {value});
    }

    /** A 0-D (scalar) float32 constant, broadcast by the arithmetic operators. */
    Value scalar(String name, float value) {
        return initializer(name, new long[0], new float[] {value});
    }

    private Value int64(String name, long[] shape, long[] values) {
        checkCount(name, shape, values.length);
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asLongBuffer().put(values);
        return addInitializer(name, ElementType.INT64, shape, bytes.array());
    }

    private Value addInitializer(String name, ElementType type, long[] shape, byte[] littleEndian) {
        String unique = fresh(name);
        OnnxMl.TensorProto.Builder t = OnnxMl.TensorProto.newBuilder().setName(unique)
                .setDataType(type.onnx().getNumber())
                .setRawData(UnsafeByteOperations.unsafeWrap(littleEndian));
        for (long d : shape) {
            t.addDims(d);
        }
        initializers.add(t.build());
        return new Value(this, unique);
    }

    private static void checkCount(String name, long[] shape, long count) {
        long expected = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("initializer '" + name + "' has a negative dimension in "
                        + Arrays.toString(shape));
            }
            expected = Math.multiplyExact(expected, d);
        }
        if (expected != count) {
            throw new IllegalArgumentException("initializer '" + name + "' of shape " + Arrays.toString(shape)
                    + " needs " + expected + " values, has " + count);
        }
    }

    /**
     * Emits a node with one output.
     *
     * @param hint names the node and its output, e.g. {@code blocks.3.attn/qk}; made unique if taken
     * @throws IllegalArgumentException if the node does not fit {@code op} or an input is of another graph
     */
    Value op(OnnxOperator op, String hint, List<Value> in, Attr... attrs) {
        return op(op, hint, 1, in, attrs).get(0);
    }

    /**
     * Emits a node with {@code outputCount} outputs.
     *
     * @throws IllegalArgumentException if the node does not fit {@code op} or an input is of another graph
     */
    List<Value> op(OnnxOperator op, String hint, int outputCount, List<Value> in, Attr... attrs) {
        List<Attr> attrList = List.of(attrs);
        op.check(in.size(), outputCount, attrList);
        for (Value v : in) {
            own(v);
        }
        String nodeName = fresh(hint + "/" + op.onnxName());
        List<Value> out = new ArrayList<>(outputCount);
        for (int i = 0; i < outputCount; i++) {
            Value v = new Value(this, i == 0 ? nodeName : fresh(nodeName + ":" + i));
            produced.add(v);
            out.add(v);
        }
        nodes.add(new Node(op, nodeName, List.copyOf(in), List.copyOf(out), attrList));
        return out;
    }

    /**
     * Publishes {@code value} as the graph output {@code name}; {@code -1} in {@code shape} is the dynamic
     * batch axis. A node output is renamed; a graph input, an initializer or a value already published goes
     * through an {@code Identity} node.
     *
     * @throws IllegalArgumentException if the name is taken, the shape invalid or the value of another graph
     */
    void output(String name, Value value, ElementType type, long... shape) {
        own(value);
        Port port = new Port(name, type, shape);
        checkFree(name);
        Value source = value;
        if (!produced.contains(value) || published.containsKey(value)) {
            source = op(OnnxOperator.IDENTITY, name, List.of(value));
        }
        claim(name);
        published.put(source, name);
        outputs.add(port);
    }

    /**
     * The model: this graph with the pinned IR version and opset, the producer, and {@code metadata} as
     * {@code metadata_props}.
     *
     * @throws IllegalStateException if the graph has no output
     */
    OnnxMl.ModelProto build(String producerVersion, Map<String, String> metadata) {
        if (outputs.isEmpty()) {
            throw new IllegalStateException("graph " + graphName + " has no output");
        }
        OnnxMl.GraphProto.Builder g = OnnxMl.GraphProto.newBuilder().setName(graphName);
        inputs.forEach(p -> g.addInput(p.toValueInfo()));
        outputs.forEach(p -> g.addOutput(p.toValueInfo()));
        g.addAllInitializer(initializers);
        for (Node n : nodes) {
            OnnxMl.NodeProto.Builder b = OnnxMl.NodeProto.newBuilder().setName(n.name())
                    .setOpType(n.op().onnxName());
            n.inputs().forEach(v -> b.addInput(published.getOrDefault(v, v.name)));
            n.outputs().forEach(v -> b.addOutput(published.getOrDefault(v, v.name)));
            n.attrs().forEach(a -> b.addAttribute(a.toProto()));
            g.addNode(b);
        }
        OnnxMl.ModelProto.Builder m = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(PRODUCER)
                .setProducerVersion(producerVersion)
                .setGraph(g);
        m.addOpsetImportBuilder().setDomain("").setVersion(OPSET);
        metadata.forEach((k, v) -> m.addMetadataPropsBuilder().setKey(k).setValue(v));
        return m.build();
    }

    private void own(Value v) {
        Objects.requireNonNull(v, "value");
        if (v.owner != this) {
            throw new IllegalArgumentException("value " + v + " belongs to another graph than " + graphName);
        }
    }

    private void claim(String name) {
        checkFree(name);
        names.add(name);
    }

    private void checkFree(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a graph input or output needs a non-empty name");
        }
        if (names.contains(name)) {
            throw new IllegalArgumentException("name '" + name + "' is already used in graph " + graphName);
        }
    }

    private String fresh(String base) {
        String name = base;
        while (names.contains(name)) {
            int n = counters.merge(base, 1, Integer::sum);
            name = base + "_" + n;
        }
        names.add(name);
        return name;
    }
}
