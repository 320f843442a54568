package io.github.layershuffle.onnx.runtime;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.onnx.runtime.Manifest.Graph;
import io.github.layershuffle.onnx.runtime.Manifest.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fixed tensor names and shapes of every graph of an export ({@code docs/FORMATS.md}), and the check that a
 * manifest, or a loaded session, honours them.
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
     * Checks that {@code actual} has exactly the tensors of {@code expected}, in any order, with the same type
     * and shape.
     *
     * @throws LayerShuffleException naming {@code what}, the tensor and both values
     */
    static void check(String what, List<TensorSpec> actual, List<TensorSpec> expected) {
        Map<String, TensorSpec> byName = new LinkedHashMap<>();
        for (TensorSpec s : actual) {
            if (byName.put(s.name(), s) != null) {
                throw new LayerShuffleException(what + ": tensor '" + s.name() + "' is listed twice");
            }
        }
        List<String> names = expected.stream().map(TensorSpec::name).toList();
        for (TensorSpec want : expected) {
            TensorSpec have = byName.remove(want.name());
            if (have == null) {
                throw new LayerShuffleException(what + ": tensor '" + want.name() + "' is missing; expected "
                        + expected + ", have " + actual);
            }
            if (!have.type().equals(want.type())) {
                throw new LayerShuffleException(what + ": tensor '" + want.name() + "' has type " + have.type()
                        + ", expected " + want.type());
            }
            if (!have.shape().equals(want.shape())) {
                throw new LayerShuffleException(what + ": tensor '" + want.name() + "' has shape " + have.shape()
                        + ", expected " + want.shape() + " for this config (-1: the batch axis)");
            }
        }
        if (!byName.isEmpty()) {
            throw new LayerShuffleException(what + ": unexpected tensor(s) " + byName.keySet() + "; expected only "
                    + names);
        }
    }
}
