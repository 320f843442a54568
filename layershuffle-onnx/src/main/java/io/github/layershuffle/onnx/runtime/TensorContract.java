package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.TensorInfo;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.onnx.runtime.Manifest.Graph;
import io.github.layershuffle.onnx.runtime.Manifest.TensorSpec;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed tensor names and shapes of every graph of an export ({@code docs/FORMATS.md}), and the checks that a
 * manifest, a loaded session, and each value a session returns honour them. ONNX Runtime does not hold a run's
 * outputs to the shapes the graph declares, so every output is checked after every run, against the batch of the
 * run's input: a graph that returns another batch, or other dimensions, is named before its successor reads it.
 */
final class TensorContract {
    static final String PIXELS = "pixels";
    static final String TOKENS = "tokens";
    static final String POSITION = "position";
    static final String TOKENS_OUT = "tokens_out";
    static final String POSITION_LOGITS = "position_logits";
    static final String LOGITS = "logits";
    static final String FLOAT32 = "float32";
    static final String INT64 = "int64";

    private TensorContract() {
    }

    static List<TensorSpec> stemInputs(ModelConfig c) {
        return List.of(TensorSpec.of(PIXELS, FLOAT32, -1, c.channels(), c.imageSize(), c.imageSize()));
    }

    static List<TensorSpec> stemOutputs(ModelConfig c) {
        return List.of(tokens(TOKENS, c));
    }

    static List<TensorSpec> blockInputs(ModelConfig c) {
        List<TensorSpec> in = new ArrayList<>(List.of(tokens(TOKENS, c)));
        if (c.variant().usesPosition()) {
            in.add(TensorSpec.of(POSITION, INT64));
        }
        return in;
    }

    static List<TensorSpec> blockOutputs(ModelConfig c) {
        List<TensorSpec> out = new ArrayList<>(List.of(tokens(TOKENS_OUT, c)));
        if (c.variant().predictsPosition()) {
            out.add(TensorSpec.of(POSITION_LOGITS, FLOAT32, -1, c.depth()));
        }
        return out;
    }

    static List<TensorSpec> headInputs(ModelConfig c) {
        return List.of(tokens(TOKENS, c));
    }

    static List<TensorSpec> headOutputs(ModelConfig c) {
        return List.of(TensorSpec.of(LOGITS, FLOAT32, -1, c.classes()));
    }

    private static TensorSpec tokens(String name, ModelConfig c) {
        return TensorSpec.of(name, FLOAT32, -1, c.tokenCount(), c.width());
    }

    /** Checks every graph of a manifest against the contract for its config; {@code full} may be null. */
    static void check(ModelConfig c, Graph stem, List<Graph> blocks, Graph head, Graph full) {
        check("stem (" + stem.file() + ") inputs", stem.inputs(), stemInputs(c));
        check("stem (" + stem.file() + ") outputs", stem.outputs(), stemOutputs(c));
        for (Graph b : blocks) {
            check("block " + b.index() + " (" + b.file() + ") inputs", b.inputs(), blockInputs(c));
            check("block " + b.index() + " (" + b.file() + ") outputs", b.outputs(), blockOutputs(c));
        }
        check("head (" + head.file() + ") inputs", head.inputs(), headInputs(c));
        check("head (" + head.file() + ") outputs", head.outputs(), headOutputs(c));
        if (full != null) {
            check("full (" + full.file() + ") inputs", full.inputs(), stemInputs(c));
            check("full (" + full.file() + ") outputs", full.outputs(), headOutputs(c));
        }
    }

    /**
     * Checks a value a session returned: a float32 tensor of exactly {@code expected}.
     *
     * @param graph names the graph that returned it, e.g. "block 3 (block-03.onnx) of export exports/a"
     * @throws LayerShuffleException naming the graph, the output, the expected and the actual type and shape
     */
    static void checkOutput(String graph, String output, OnnxValue value, long... expected) {
        if (!(value instanceof OnnxTensor t)) {
            throw new LayerShuffleException(graph + ": output '" + output + "' is a " + value.getType()
                    + ", expected a float32 tensor " + Arrays.toString(expected));
        }
        TensorInfo info = t.getInfo();
        if (info.type != OnnxJavaType.FLOAT || !Arrays.equals(info.getShape(), expected)) {
            String batch = info.getShape().length > 0 && info.getShape()[0] != expected[0]
                    ? " (the input's batch is " + expected[0] + ")" : "";
            throw new LayerShuffleException(graph + ": output '" + output + "' is " + info.type + " "
                    + shape(Arrays.stream(info.getShape()).boxed().toList()) + ", the contract says float32 "
                    + Arrays.toString(expected)
                    + batch);
        }
    }

    /**
     * Refuses a NaN or infinite value in a float tensor that is about to leave the library.
     *
     * @param what names the tensor and the part that made it
     * @throws LayerShuffleException naming {@code what}, the first value at fault and its index
     */
    static void checkFinite(String what, OnnxTensor t) {
        long[] shape = t.getInfo().getShape();
        FloatBuffer values = t.getFloatBuffer();
        for (int i = 0; values.hasRemaining(); i++) {
            float v = values.get();
            if (!Float.isFinite(v)) {
                throw new LayerShuffleException(what + " holds a non-finite value (" + v + ") at "
                        + Arrays.toString(index(i, shape)) + " of " + Arrays.toString(shape)
                        + "; refusing to return it");
            }
        }
    }

    /**
     * Refuses a NaN or infinite logit.
     *
     * @throws LayerShuffleException naming {@code what}, the image and the class
     */
    static void checkFinite(String what, float[][] logits) {
        for (int b = 0; b < logits.length; b++) {
            for (int k = 0; k < logits[b].length; k++) {
                if (!Float.isFinite(logits[b][k])) {
                    throw new LayerShuffleException(what + " returned a non-finite logit (" + logits[b][k]
                            + ") for image " + b + ", class " + k + "; refusing to return it");
                }
            }
        }
    }

    private static long[] index(long flat, long[] shape) {
        long[] index = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return index;
    }

    /**
     * Checks that {@code actual} has exactly the tensors of {@code expected}, in any order, with the same type
     * and shape.
     *
     * @throws LayerShuffleException naming {@code what}, the tensor and both values
     */
    static void check(String what, List<TensorSpec> actual, List<TensorSpec> expected) {
        Map<String, TensorSpec> byName = new LinkedHashMap<>();
        for (TensorSpec s : actual) {
            if (byName.put(s.name(), s) != null) {
                throw new LayerShuffleException(what + ": tensor " + Manifest.quote(s.name()) + " is listed twice");
            }
        }
        List<String> names = expected.stream().map(TensorSpec::name).toList();
        for (TensorSpec want : expected) {
            TensorSpec have = byName.remove(want.name());
            if (have == null) {
                throw new LayerShuffleException(what + ": tensor '" + want.name() + "' is missing; expected "
                        + expected + ", have " + listed(actual));
            }
            if (!have.type().equals(want.type())) {
                throw new LayerShuffleException(what + ": tensor '" + want.name() + "' has type "
                        + Manifest.quote(have.type()) + ", expected " + want.type());
            }
            if (!have.shape().equals(want.shape())) {
                throw new LayerShuffleException(what + ": tensor '" + want.name() + "' has shape "
                        + shape(have.shape()) + ", expected " + want.shape() + " for this config (-1: the batch axis)");
            }
        }
        if (!byName.isEmpty()) {
            List<String> extra = byName.keySet().stream().map(Manifest::quote).toList();
            throw new LayerShuffleException(what + ": unexpected tensor(s) " + firstOf(extra) + "; expected only "
                    + names);
        }
    }

    /** The most tensors, and dimensions of one shape, that a message lists of what a graph declares. */
    static final int SHOWN = 8;

    /** A graph's tensors for a message: the first {@value #SHOWN}, each cut as {@link #shown(TensorSpec)}. */
    private static String listed(List<TensorSpec> specs) {
        return firstOf(specs.stream().map(TensorContract::shown).toList());
    }

    /** A graph's tensor for a message: its name cut as {@link Manifest#quote}, its type likewise, its shape cut. */
    private static String shown(TensorSpec s) {
        return Manifest.quote(s.name()) + " " + Manifest.quote(s.type()) + " " + shape(s.shape());
    }

    /** A shape for a message: in full up to rank {@value #SHOWN}, else its first dimensions and its rank. */
    static String shape(List<Long> dims) {
        if (dims.size() <= SHOWN) {
            return dims.toString();
        }
        String head = dims.subList(0, SHOWN).toString();
        return head.substring(0, head.length() - 1) + ", ...] (rank " + dims.size() + ")";
    }

    private static String firstOf(List<String> items) {
        if (items.size() <= SHOWN) {
            return items.toString();
        }
        return items.subList(0, SHOWN) + " and " + (items.size() - SHOWN) + " more";
    }
}
