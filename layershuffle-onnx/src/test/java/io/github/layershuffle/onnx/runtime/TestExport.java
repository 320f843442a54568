package io.github.layershuffle.onnx.runtime;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Writes an export directory of tiny hand-built graphs that honour the tensor contract, and computes in Java
 * what they compute, so tests can check which blocks ran in which order:
 * <pre>
 * stem:    tokens = reshape(reshape(pixels, [-1, C*H*W]) @ W, [-1, T, D])
 * block i: out = tokens * a[i] + b[i] (+ c[i] * slot, -position); position_logits = mean_T(out) @ P[i] (-predict)
 * head:    logits = tokens[:, 0, :] @ H + h
 * </pre>
 * Blocks are affine maps with different slopes and offsets, so their order changes the result.
 */
final class TestExport {
    static final int OPSET = 17;
    static final int IR_VERSION = 8;

    final ModelConfig config;
    final String family;
    private final int t;
    private final int d;
    private final int l;
    private final int k;
    private final int pixels;
    private final float[] stemW;
    private final float[] a;
    private final float[][] b;
    private final float[] c;
    private final float[][] p;
    private final float[] headW;
    private final float[] headB;
    private Map<String, byte[]> replace = Map.of();

    TestExport(ModelConfig config, String family, long seed) {
        this.config = config;
        this.family = family;
        this.t = config.tokenCount();
        this.d = config.width();
        this.l = config.depth();
        this.k = config.classes();
        this.pixels = config.channels() * config.imageSize() * config.imageSize();
        SplittableRandom r = new SplittableRandom(seed);
        stemW = uniform(r, pixels * t * d, 1);
        a = new float[l];
        b = new float[l][];
        c = new float[l];
        p = new float[l][];
        for (int i = 0; i < l; i++) {
            a[i] = (float) (0.5 + r.nextDouble());
            b[i] = uniform(r, d, 1);
            c[i] = (float) (0.25 + r.nextDouble());
            p[i] = uniform(r, d * l, 1);
        }
        headW = uniform(r, d * k, 1);
        headB = uniform(r, k, 1);
    }

    /** 4x4 grey images in 2x2 patches (T = 5), width 3, 4 blocks, 3 labelled classes. */
    static ModelConfig config(Variant variant) {
        return ModelConfig.builder().imageSize(4).channels(1).patchSize(2).width(3).depth(4).heads(1).mlpWidth(4)
                .classes(3).variant(variant).labels(List.of("zero", "one", "two")).build();
    }

    static TestExport of(Variant variant, long seed) {
        return new TestExport(config(variant), "family-1", seed);
    }

    private static float[] uniform(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return v;
    }

    /** Seeded images {@code [batch, C, H, W]} in [0, 1]. */
    static float[][][][] images(ModelConfig config, int batch, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int s = config.imageSize();
        float[][][][] x = new float[batch][config.channels()][s][s];
        for (float[][][] img : x) {
            for (float[][] plane : img) {
                for (float[] row : plane) {
                    for (int i = 0; i < s; i++) {
                        row[i] = (float) r.nextDouble();
                    }
                }
            }
        }
        return x;
    }

    // ---------------------------------------------------------------- reference computation, in double

    double[][][] stem(float[][][][] images) {
        double[][][] tokens = new double[images.length][t][d];
        for (int n = 0; n < images.length; n++) {
            float[] flat = new float[pixels];
            int i = 0;
            for (float[][] plane : images[n]) {
                for (float[] row : plane) {
                    for (float v : row) {
                        flat[i++] = v;
                    }
                }
            }
            for (int o = 0; o < t * d; o++) {
                double s = 0;
                for (int j = 0; j < pixels; j++) {
                    s += flat[j] * stemW[j * t * d + o];
                }
                tokens[n][o / d][o % d] = s;
            }
        }
        return tokens;
    }

    double[][][] block(int index, int slot, double[][][] x) {
        double[][][] y = new double[x.length][t][d];
        for (int n = 0; n < x.length; n++) {
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < d; j++) {
                    y[n][i][j] = x[n][i][j] * a[index] + b[index][j]
                            + (config.variant().usesPosition() ? c[index] * slot : 0);
                }
            }
        }
        return y;
    }

    double[][] positionLogits(int index, double[][][] out) {
        double[][] logits = new double[out.length][l];
        for (int n = 0; n < out.length; n++) {
            for (int j = 0; j < d; j++) {
                double mean = 0;
                for (int i = 0; i < t; i++) {
                    mean += out[n][i][j];
                }
                mean /= t;
                for (int s = 0; s < l; s++) {
                    logits[n][s] += mean * p[index][j * l + s];
                }
            }
        }
        return logits;
    }

    double[][] head(double[][][] x) {
        double[][] logits = new double[x.length][k];
        for (int n = 0; n < x.length; n++) {
            for (int o = 0; o < k; o++) {
                double s = headB[o];
                for (int j = 0; j < d; j++) {
                    s += x[n][0][j] * headW[j * k + o];
                }
                logits[n][o] = s;
            }
        }
        return logits;
    }

    /** The logits of this export's stem, blocks per plan and head. */
    double[][] logits(float[][][][] images, ExecutionPlan plan) {
        double[][][] x = stem(images);
        for (int slot = 0; slot < plan.size(); slot++) {
            x = block(plan.block(slot), slot, x);
        }
        return head(x);
    }

    // ---------------------------------------------------------------- graphs

    byte[] stemGraph() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("stem")
                .addInput(value("pixels", 1, -1, config.channels(), config.imageSize(), config.imageSize()))
                .addOutput(value("tokens", 1, -1, t, d))
                .addInitializer(longs("flat_shape", new long[] {-1, pixels}, 2))
                .addInitializer(floats("W", stemW, pixels, t * d))
                .addInitializer(longs("token_shape", new long[] {-1, t, d}, 3))
                .addNode(node("Reshape", List.of("pixels", "flat_shape"), "flat"))
                .addNode(node("MatMul", List.of("flat", "W"), "proj"))
                .addNode(node("Reshape", List.of("proj", "token_shape"), "tokens"));
        return model(g);
    }

    byte[] blockGraph(int i) {
        boolean position = config.variant().usesPosition();
        boolean predict = config.variant().predictsPosition();
        GraphProto.Builder g = GraphProto.newBuilder().setName("block_" + i)
                .addInput(value("tokens", 1, -1, t, d))
                .addOutput(value("tokens_out", 1, -1, t, d))
                .addInitializer(floats("a", new float[] {a[i]}))
                .addInitializer(floats("b", b[i], d))
                .addNode(node("Mul", List.of("tokens", "a"), "scaled"))
                .addNode(node("Add", List.of("scaled", "b"), position ? "shifted" : "tokens_out"));
        if (position) {
            g.addInput(value("position", 7))
                    .addInitializer(floats("c", new float[] {c[i]}))
                    .addNode(node("Cast", List.of("position"), "slot",
                            AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                                    .setI(TensorProto.DataType.FLOAT_VALUE).build()))
                    .addNode(node("Mul", List.of("slot", "c"), "slot_term"))
                    .addNode(node("Add", List.of("shifted", "slot_term"), "tokens_out"));
        }
        if (predict) {
            g.addOutput(value("position_logits", 1, -1, l))
                    .addInitializer(floats("P", p[i], d, l))
                    .addNode(node("ReduceMean", List.of("tokens_out"), "mean",
                            AttributeProto.newBuilder().setName("axes").setType(AttributeProto.AttributeType.INTS)
                                    .addInts(1).build(),
                            AttributeProto.newBuilder().setName("keepdims").setType(AttributeProto.AttributeType.INT)
                                    .setI(0).build()))
                    .addNode(node("MatMul", List.of("mean", "P"), "position_logits"));
        }
        return model(g);
    }

    byte[] headGraph() {
        GraphProto.Builder g = GraphProto.newBuilder().setName("head")
                .addInput(value("tokens", 1, -1, t, d))
                .addOutput(value("logits", 1, -1, k))
                .addInitializer(longs("zero", new long[] {0}))
                .addInitializer(floats("H", headW, d, k))
                .addInitializer(floats("h", headB, k))
                .addNode(node("Gather", List.of("tokens", "zero"), "cls",
                        AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT).setI(1)
                                .build()))
                .addNode(node("MatMul", List.of("cls", "H"), "proj"))
                .addNode(node("Add", List.of("proj", "h"), "logits"));
        return model(g);
    }

    static byte[] model(GraphProto.Builder graph) {
        return ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("layershuffle-test")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph).build().toByteArray();
    }

    static NodeProto node(String op, List<String> inputs, String output, AttributeProto... attrs) {
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(op + "_" + output).addAllInput(inputs)
                .addOutput(output);
        for (AttributeProto attr : attrs) {
            n.addAttribute(attr);
        }
        return n.build();
    }

    /** A tensor value; dim -1 is the symbolic batch axis; no dims is a scalar. */
    static ValueInfoProto value(String name, int elemType, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (long dim : dims) {
            shape.addDim(dim < 0 ? TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(dim));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }

    static TensorProto floats(String name, float[] values, long... dims) {
        TensorProto.Builder tp = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
        for (long dim : dims) {
            tp.addDims(dim);
        }
        for (float v : values) {
            tp.addFloatData(v);
        }
        return tp.build();
    }

    static TensorProto longs(String name, long[] values, long... dims) {
        TensorProto.Builder tp = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.INT64_VALUE);
        for (long dim : dims) {
            tp.addDims(dim);
        }
        for (long v : values) {
            tp.addInt64Data(v);
        }
        return tp.build();
    }

    // ---------------------------------------------------------------- export directory

    /** Writes the export to {@code dir} with a correct manifest. */
    Path write(Path dir) {
        return write(dir, m -> { });
    }

    /** Writes the export to {@code dir}; {@code edit} may change the manifest before it is written. */
    Path write(Path dir, Consumer<ObjectNode> edit) {
        return write(dir, Map.of(), edit);
    }

    /**
     * Writes the export to {@code dir} with the graph files named in {@code replace} holding those bytes instead,
     * and a manifest whose hashes match them, as an attacker would write it; {@code edit} may change the manifest.
     */
    Path write(Path dir, Map<String, byte[]> replace, Consumer<ObjectNode> edit) {
        this.replace = replace;
        try {
            Files.createDirectories(dir);
            ObjectNode root = Manifest.JSON.createObjectNode();
            root.put("format", "layershuffle-export");
            root.put("version", 1);
            root.put("family", family);
            root.put("producer", "layershuffle tests");
            root.put("opset", OPSET);
            root.put("irVersion", IR_VERSION);
            root.set("config", config.toJsonNode());
            root.set("stem", file(dir, "stem.onnx", stemGraph(), TensorContract.stemInputs(config),
                    TensorContract.stemOutputs(config)));
            ArrayNode blocks = root.putArray("blocks");
            for (int i = 0; i < l; i++) {
                ObjectNode n = Manifest.JSON.createObjectNode().put("index", i);
                n.setAll(file(dir, String.format("block-%02d.onnx", i), blockGraph(i),
                        TensorContract.blockInputs(config), TensorContract.blockOutputs(config)));
                blocks.add(n);
            }
            root.set("head", file(dir, "head.onnx", headGraph(), TensorContract.headInputs(config),
                    TensorContract.headOutputs(config)));
            edit.accept(root);
            Files.writeString(dir.resolve("manifest.json"), Manifest.JSON.writeValueAsString(root));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode file(Path dir, String name, byte[] bytes, List<Manifest.TensorSpec> inputs,
                            List<Manifest.TensorSpec> outputs) throws IOException {
        bytes = replace.getOrDefault(name, bytes);
        Files.write(dir.resolve(name), bytes);
        ObjectNode n = Manifest.JSON.createObjectNode();
        n.put("file", name);
        n.put("sha256", LoadedExport.sha256(bytes));
        n.set("inputs", specs(inputs));
        n.set("outputs", specs(outputs));
        return n;
    }

    private static ArrayNode specs(List<Manifest.TensorSpec> specs) {
        ArrayNode a = Manifest.JSON.createArrayNode();
        for (Manifest.TensorSpec s : specs) {
            ObjectNode n = a.addObject().put("name", s.name()).put("type", s.type());
            ArrayNode shape = n.putArray("shape");
            s.shape().forEach(shape::add);
        }
        return a;
    }

    /** The images as one row-major list, for buffer input. */
    static float[] flatten(float[][][][] images) {
        List<Float> all = new ArrayList<>();
        for (float[][][] img : images) {
            for (float[][] plane : img) {
                for (float[] row : plane) {
                    for (float v : row) {
                        all.add(v);
                    }
                }
            }
        }
        float[] out = new float[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }
}
