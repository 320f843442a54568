package io.github.layershuffle.onnx.runtime;

import static io.github.layershuffle.onnx.runtime.TestExport.floats;
import static io.github.layershuffle.onnx.runtime.TestExport.longs;
import static io.github.layershuffle.onnx.runtime.TestExport.model;
import static io.github.layershuffle.onnx.runtime.TestExport.node;
import static io.github.layershuffle.onnx.runtime.TestExport.value;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.SparseTensorProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.github.layershuffle.api.ModelConfig;
import java.util.List;

/**
 * Graphs an attacker would put into an export: they declare the contract's inputs and outputs, so they load, and
 * then misbehave (external data, another batch, NaN, a loop without end). All are blocks or heads of
 * {@link TestExport#config}.
 */
final class HostileGraphs {
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;

    private final int t;
    private final int d;
    private final int k;
    private final int channels;
    private final int side;
    private final int pixels;

    HostileGraphs(ModelConfig c) {
        this.channels = c.channels();
        this.side = c.imageSize();
        this.pixels = channels * side * side;
        this.t = c.tokenCount();
        this.d = c.width();
        this.k = c.classes();
    }

    /**
     * A block that works, and also declares {@code extra} unused float inputs, each named by {@code nameChars}
     * characters and of rank {@code rank}: what the session reports cannot all go into a message.
     */
    byte[] blockWithExtraInputs(int extra, int nameChars, int rank) {
        GraphProto.Builder g = block("extra_inputs").addNode(node("Identity", List.of("tokens"), "tokens_out"));
        long[] dims = new long[rank];
        java.util.Arrays.fill(dims, 1);
        for (int i = 0; i < extra; i++) {
            g.addInput(value(i + "x".repeat(nameChars), FLOAT, dims));
        }
        return model(g);
    }

    /** A block whose one node is of an operator no runtime has, named by {@code nameChars} characters. */
    byte[] blockWithUnknownOperator(int nameChars) {
        return model(block("unknown_operator").addNode(node("Identity", List.of("tokens"), "tokens_out").toBuilder()
                .setOpType("NoSuchOperator" + "y".repeat(nameChars)).setName("n".repeat(nameChars)).build()));
    }

    /** A block whose tokens input is declared with rank {@code rank} instead of 3. */
    byte[] blockWithInputOfRank(int rank) {
        long[] dims = new long[rank];
        java.util.Arrays.fill(dims, 2);
        AttributeProto zeros = AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                .setT(floats("z", new float[t * d], 1, t, d)).build();
        return model(GraphProto.newBuilder().setName("rank").addInput(value("tokens", FLOAT, dims))
                .addOutput(value("tokens_out", FLOAT, -1, t, d))
                .addNode(node("Constant", List.of(), "tokens_out", zeros)));
    }

    /** A float tensor {@code [1]} whose data lies in file {@code location}, as ONNX external data. */
    static TensorProto external(String name, String location) {
        return TensorProto.newBuilder().setName(name).setDataType(FLOAT).addDims(1)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(StringStringEntryProto.newBuilder().setKey("location").setValue(location))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("offset").setValue("0"))
                .addExternalData(StringStringEntryProto.newBuilder().setKey("length").setValue("4"))
                .build();
    }

    private GraphProto.Builder block(String name) {
        return GraphProto.newBuilder().setName(name).addInput(value("tokens", FLOAT, -1, t, d))
                .addOutput(value("tokens_out", FLOAT, -1, t, d));
    }

    /** tokens_out = tokens * a, with initializer a stored externally at {@code location}. */
    byte[] blockWithExternalInitializer(String location) {
        return model(block("external_initializer").addInitializer(external("a", location))
                .addNode(node("Mul", List.of("tokens", "a"), "tokens_out")));
    }

    /** tokens_out = tokens * Constant(value = external tensor at {@code location}). */
    byte[] blockWithExternalConstant(String location) {
        AttributeProto value = AttributeProto.newBuilder().setName("value").setType(AttributeProto.AttributeType.TENSOR)
                .setT(external("c", location)).build();
        return model(block("external_constant")
                .addNode(node("Constant", List.of(), "c", value))
                .addNode(node("Mul", List.of("tokens", "c"), "tokens_out")));
    }

    /** An If whose then-branch multiplies by an external initializer, the else-branch by an inline one. */
    byte[] blockWithExternalDataInASubgraph(String location) {
        GraphProto then = GraphProto.newBuilder().setName("then").addInitializer(external("a", location))
                .addNode(node("Mul", List.of("tokens", "a"), "y")).addOutput(untyped("y")).build();
        GraphProto otherwise = GraphProto.newBuilder().setName("else").addInitializer(floats("b", new float[] {1}, 1))
                .addNode(node("Mul", List.of("tokens", "b"), "z")).addOutput(untyped("z")).build();
        return model(block("external_subgraph")
                .addInitializer(TensorProto.newBuilder().setName("yes").setDataType(TensorProto.DataType.BOOL_VALUE)
                        .addInt32Data(1))
                .addNode(node("If", List.of("yes"), "tokens_out",
                        AttributeProto.newBuilder().setName("then_branch").setType(AttributeProto.AttributeType.GRAPH)
                                .setG(then).build(),
                        AttributeProto.newBuilder().setName("else_branch").setType(AttributeProto.AttributeType.GRAPH)
                                .setG(otherwise).build())));
    }

    /** tokens_out = tokens * a, with a a sparse initializer whose values are stored externally. */
    byte[] blockWithExternalSparseInitializer(String location) {
        SparseTensorProto sparse = SparseTensorProto.newBuilder().setValues(external("a", location))
                .setIndices(longs("a_indices", new long[] {0}, 1)).addDims(1).build();
        return model(block("external_sparse").addSparseInitializer(sparse)
                .addNode(node("Mul", List.of("tokens", "a"), "tokens_out")));
    }

    /** A block that returns twice the batch it was given: tokens_out = concat(tokens, tokens) on axis 0. */
    byte[] blockDoublingTheBatch() {
        return model(block("double_batch").addNode(node("Concat", List.of("tokens", "tokens"), "tokens_out",
                AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0).build())));
    }

    /**
     * A -predict block (depth {@code depth}) whose tokens are right but whose position logits are for twice the
     * batch.
     */
    byte[] predictBlockDoublingThePositionLogits(int depth) {
        AttributeProto axis0 = AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                .setI(0).build();
        return model(block("double_position_logits")
                .addOutput(value("position_logits", FLOAT, -1, depth))
                .addInitializer(floats("P", new float[d * depth], d, depth))
                .addNode(node("Identity", List.of("tokens"), "tokens_out"))
                .addNode(node("ReduceMean", List.of("tokens"), "mean",
                        AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS)
                                .addInts(1).build(),
                        AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT)
                                .setI(0).build()))
                .addNode(node("MatMul", List.of("mean", "P"), "p"))
                .addNode(node("Concat", List.of("p", "p"), "position_logits", axis0)));
    }

    /** tokens_out = tokens * NaN. */
    byte[] blockReturningNaN() {
        return model(block("nan").addInitializer(floats("a", new float[] {Float.NaN}, 1))
                .addNode(node("Mul", List.of("tokens", "a"), "tokens_out")));
    }

    /**
     * A Loop without a trip count whose condition stays true: it never ends. The body halves the tokens, so that
     * no optimiser can drop it as a no-op.
     */
    byte[] blockLoopingForever() {
        GraphProto body = GraphProto.newBuilder().setName("body")
                .addInput(value("i", TensorProto.DataType.INT64_VALUE))
                .addInput(value("cond_in", TensorProto.DataType.BOOL_VALUE))
                .addInput(untyped("x_in"))
                .addOutput(value("cond_out", TensorProto.DataType.BOOL_VALUE))
                .addOutput(untyped("x_out"))
                .addInitializer(floats("half", new float[] {0.5f}, 1))
                .addNode(node("Identity", List.of("cond_in"), "cond_out"))
                .addNode(node("Mul", List.of("x_in", "half"), "x_out")).build();
        return model(block("loop_forever")
                .addInitializer(TensorProto.newBuilder().setName("yes").setDataType(TensorProto.DataType.BOOL_VALUE)
                        .addInt32Data(1))
                .addNode(node("Loop", List.of("", "yes", "tokens"), "tokens_out",
                        AttributeProto.newBuilder().setName("body").setType(AttributeProto.AttributeType.GRAPH)
                                .setG(body).build())));
    }

    /** A stem whose tokens are NaN: its projection is. */
    byte[] stemReturningNaN() {
        float[] nan = new float[pixels * t * d];
        java.util.Arrays.fill(nan, Float.NaN);
        return model(GraphProto.newBuilder().setName("nan_stem")
                .addInput(value("pixels", FLOAT, -1, channels, side, side))
                .addOutput(value("tokens", FLOAT, -1, t, d))
                .addInitializer(longs("flat_shape", new long[] {-1, pixels}, 2))
                .addInitializer(floats("W", nan, pixels, t * d))
                .addInitializer(longs("token_shape", new long[] {-1, t, d}, 3))
                .addNode(node("Reshape", List.of("pixels", "flat_shape"), "flat"))
                .addNode(node("MatMul", List.of("flat", "W"), "proj"))
                .addNode(node("Reshape", List.of("proj", "token_shape"), "tokens")));
    }

    private GraphProto.Builder head(String name) {
        return GraphProto.newBuilder().setName(name).addInput(value("tokens", FLOAT, -1, t, d))
                .addOutput(value("logits", FLOAT, -1, k))
                .addInitializer(longs("zero", new long[] {0}))
                .addInitializer(floats("H", new float[d * k], d, k));
    }

    /** A head that returns logits for twice the batch it was given. */
    byte[] headDoublingTheBatch() {
        return model(head("double_batch")
                .addNode(node("Concat", List.of("tokens", "tokens"), "twice",
                        AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(0)
                                .build()))
                .addNode(node("Gather", List.of("twice", "zero"), "cls",
                        AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)
                                .build()))
                .addNode(node("MatMul", List.of("cls", "H"), "logits")));
    }

    /** A head whose logits are NaN: its bias is. */
    byte[] headReturningNaN() {
        float[] nan = new float[k];
        java.util.Arrays.fill(nan, Float.NaN);
        return model(head("nan").addInitializer(floats("h", nan, k))
                .addNode(node("Gather", List.of("tokens", "zero"), "cls",
                        AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)
                                .build()))
                .addNode(node("MatMul", List.of("cls", "H"), "proj"))
                .addNode(node("Add", List.of("proj", "h"), "logits")));
    }

    /** A float tensor value of unknown shape, as subgraph inputs and outputs may be. */
    private static ValueInfoProto untyped(String name) {
        return ValueInfoProto.newBuilder().setName(name)
                .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT)))
                .build();
    }
}
