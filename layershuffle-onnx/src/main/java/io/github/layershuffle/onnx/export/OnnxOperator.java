package io.github.layershuffle.onnx.export;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The standard ONNX operators our graphs are made of, each with its arity and attributes as of
 * {@link OnnxGraph#OPSET}. {@link #check} runs before a node is emitted, so a malformed node fails in Java
 * with a message naming the operator, not later in a checker or at session creation.
 *
 * <p>{@code since} is the opset version that introduced the signature declared here; a version newer than
 * the pinned opset cannot be used. Bumping the opset means revisiting the entries whose signature changed
 * after 17: {@link #REDUCE_MEAN} takes {@code axes} as an input from 18 on.
 */
enum OnnxOperator {
    ADD("Add", 14, 2, 2, 1, 1),
    SUB("Sub", 14, 2, 2, 1, 1),
    MUL("Mul", 14, 2, 2, 1, 1),
    DIV("Div", 14, 2, 2, 1, 1),
    MAT_MUL("MatMul", 13, 2, 2, 1, 1),
    /** The Gauss error function, for the exact GELU {@code 0.5 x (1 + erf(x / sqrt 2))}. */
    ERF("Erf", 13, 1, 1, 1, 1),
    SOFTMAX("Softmax", 13, 1, 1, 1, 1, opt("axis", Attr.Type.INT)),
    TRANSPOSE("Transpose", 13, 1, 1, 1, 1, opt("perm", Attr.Type.INTS)),
    /** {@code allowzero} left at 0: a 0 in the shape copies that dimension of the input. */
    RESHAPE("Reshape", 14, 2, 2, 1, 1, opt("allowzero", Attr.Type.INT)),
    CONCAT("Concat", 13, 1, Integer.MAX_VALUE, 1, 1, req("axis", Attr.Type.INT)),
    GATHER("Gather", 13, 2, 2, 1, 1, opt("axis", Attr.Type.INT)),
    /** Inputs: data, starts, ends, optional axes, optional steps. */
    SLICE("Slice", 13, 3, 5, 1, 1),
    /** Opset 13 form: {@code axes} is an attribute (an input from opset 18). */
    REDUCE_MEAN("ReduceMean", 13, 1, 1, 1, 1, opt("axes", Attr.Type.INTS), opt("keepdims", Attr.Type.INT)),
    CONV("Conv", 11, 2, 3, 1, 1, opt("auto_pad", Attr.Type.STRING), opt("dilations", Attr.Type.INTS),
            opt("group", Attr.Type.INT), opt("kernel_shape", Attr.Type.INTS), opt("pads", Attr.Type.INTS),
            opt("strides", Attr.Type.INTS)),
    EXPAND("Expand", 13, 2, 2, 1, 1),
    TILE("Tile", 13, 2, 2, 1, 1),
    SHAPE("Shape", 15, 1, 1, 1, 1, opt("start", Attr.Type.INT), opt("end", Attr.Type.INT)),
    UNSQUEEZE("Unsqueeze", 13, 2, 2, 1, 1),
    SQUEEZE("Squeeze", 13, 1, 2, 1, 1),
    FLATTEN("Flatten", 13, 1, 1, 1, 1, opt("axis", Attr.Type.INT)),
    IDENTITY("Identity", 16, 1, 1, 1, 1),
    /** Inputs X, Scale, optional B; outputs Y, optional Mean and InvStdDev. */
    LAYER_NORMALIZATION("LayerNormalization", 17, 2, 3, 1, 3, opt("axis", Attr.Type.INT),
            opt("epsilon", Attr.Type.FLOAT), opt("stash_type", Attr.Type.INT));

    private final String onnxName;
    private final int since;
    private final int minInputs;
    private final int maxInputs;
    private final int minOutputs;
    private final int maxOutputs;
    private final Map<String, AttrSpec> attributes;

    OnnxOperator(String onnxName, int since, int minInputs, int maxInputs, int minOutputs, int maxOutputs,
                 AttrSpec... attributes) {
        this.onnxName = onnxName;
        this.since = since;
        this.minInputs = minInputs;
        this.maxInputs = maxInputs;
        this.minOutputs = minOutputs;
        this.maxOutputs = maxOutputs;
        Map<String, AttrSpec> map = new LinkedHashMap<>();
        for (AttrSpec a : attributes) {
            map.put(a.name(), a);
        }
        this.attributes = Map.copyOf(map);
    }

    /** The operator type as ONNX spells it, e.g. {@code LayerNormalization}. */
    String onnxName() {
        return onnxName;
    }

    /** The opset version that introduced the signature declared here. */
    int since() {
        return since;
    }

    /** The attributes this operator accepts, by name. */
    Map<String, AttrSpec> attributes() {
        return attributes;
    }

    /**
     * Checks a node of this operator before it is emitted.
     *
     * @throws IllegalArgumentException naming the operator and the fault: input or output count out of
     *                                  range, an unknown, repeated or mistyped attribute, a missing required
     *                                  one
     */
    void check(int inputs, int outputs, List<Attr> attrs) {
        if (since > OnnxGraph.OPSET) {
            throw new IllegalArgumentException(onnxName + " (since opset " + since + ") is not available at opset "
                    + OnnxGraph.OPSET);
        }
        if (inputs < minInputs || inputs > maxInputs) {
            throw new IllegalArgumentException(onnxName + " takes " + range(minInputs, maxInputs)
                    + " inputs, got " + inputs);
        }
        if (outputs < minOutputs || outputs > maxOutputs) {
            throw new IllegalArgumentException(onnxName + " has " + range(minOutputs, maxOutputs)
                    + " outputs, asked for " + outputs);
        }
        Set<String> seen = new HashSet<>();
        for (Attr a : attrs) {
            AttrSpec spec = attributes.get(a.name());
            if (spec == null) {
                throw new IllegalArgumentException(onnxName + " has no attribute '" + a.name() + "'; it accepts "
                        + attributes.keySet().stream().sorted().collect(Collectors.joining(", ", "[", "]")));
            }
            if (spec.type() != a.type()) {
                throw new IllegalArgumentException(onnxName + " attribute '" + a.name() + "' is " + spec.type()
                        + ", got " + a.type());
            }
            if (!seen.add(a.name())) {
                throw new IllegalArgumentException(onnxName + " attribute '" + a.name() + "' given twice");
            }
        }
        for (AttrSpec spec : attributes.values()) {
            if (spec.required() && !seen.contains(spec.name())) {
                throw new IllegalArgumentException(onnxName + " needs attribute '" + spec.name() + "' ("
                        + spec.type() + ")");
            }
        }
    }

    private static String range(int min, int max) {
        if (min == max) {
            return Integer.toString(min);
        }
        return max == Integer.MAX_VALUE ? "at least " + min : min + " to " + max;
    }

    private static AttrSpec opt(String name, Attr.Type type) {
        return new AttrSpec(name, type, false);
    }

    private static AttrSpec req(String name, Attr.Type type) {
        return new AttrSpec(name, type, true);
    }

    /** An attribute an operator accepts. */
    record AttrSpec(String name, Attr.Type type, boolean required) {
    }
}
