package io.github.layershuffle.onnx.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.TensorInfo;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The typed graph builder: checks before emission, naming, initializers, and a graph ORT runs. */
class OnnxGraphTest {

    @Test
    void opsetIsPinnedAndEveryOperatorExistsAtIt() {
        assertThat(OnnxGraph.OPSET).isEqualTo(17);
        assertThat(OnnxGraph.IR_VERSION).isEqualTo(8);
        assertThat(OnnxExporter.OPSET).isEqualTo(OnnxGraph.OPSET);
        for (OnnxOperator op : OnnxOperator.values()) {
            assertThat(op.since()).as(op.onnxName()).isLessThanOrEqualTo(OnnxGraph.OPSET);
        }
    }

    @Test
    void operatorChecksArityAndAttributesBeforeEmitting() {
        OnnxGraph g = new OnnxGraph("g");
        OnnxGraph.Value x = g.input("x", ElementType.FLOAT32, -1, 4);
        assertThatThrownBy(() -> g.op(OnnxOperator.ADD, "a", List.of(x)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("Add takes 2 inputs, got 1");
        assertThatThrownBy(() -> g.op(OnnxOperator.SOFTMAX, "s", List.of(x), Attr.of("axes", -1L)))
                .hasMessage("Softmax has no attribute 'axes'; it accepts [axis]");
        assertThatThrownBy(() -> g.op(OnnxOperator.SOFTMAX, "s", List.of(x), Attr.of("axis", 1f)))
                .hasMessage("Softmax attribute 'axis' is INT, got FLOAT");
        assertThatThrownBy(() -> g.op(OnnxOperator.SOFTMAX, "s", List.of(x), Attr.of("axis", 1L), Attr.of("axis", 0L)))
                .hasMessage("Softmax attribute 'axis' given twice");
        assertThatThrownBy(() -> g.op(OnnxOperator.CONCAT, "c", List.of(x, x)))
                .hasMessage("Concat needs attribute 'axis' (INT)");
        assertThatThrownBy(() -> g.op(OnnxOperator.LAYER_NORMALIZATION, "ln", 4, List.of(x, x)))
                .hasMessage("LayerNormalization has 1 to 3 outputs, asked for 4");
        assertThatThrownBy(() -> g.op(OnnxOperator.SLICE, "sl", List.of(x)))
                .hasMessage("Slice takes 3 to 5 inputs, got 1");
        assertThat(g.op(OnnxOperator.CONCAT, "c", List.of(x, x, x), Attr.of("axis", 1L))).isNotNull();
    }

    @Test
    void valuesOfAnotherGraphAndDuplicatePortNamesAreRefused() {
        OnnxGraph a = new OnnxGraph("a");
        OnnxGraph b = new OnnxGraph("b");
        OnnxGraph.Value x = a.input("x", ElementType.FLOAT32, 2);
        assertThatThrownBy(() -> b.op(OnnxOperator.ERF, "e", List.of(x)))
                .hasMessageContaining("belongs to another graph than b");
        assertThatThrownBy(() -> a.input("x", ElementType.FLOAT32, 3))
                .hasMessage("name 'x' is already used in graph a");
        a.output("y", a.op(OnnxOperator.ERF, "e", List.of(x)), ElementType.FLOAT32, 2);
        assertThatThrownBy(() -> a.output("y", x, ElementType.FLOAT32, 2))
                .hasMessage("name 'y' is already used in graph a");
        assertThatThrownBy(() -> a.input("z", ElementType.FLOAT32, 0))
                .hasMessageContaining("port 'z' has dimension 0");
        assertThatThrownBy(() -> a.initializer("w", new long[] {2, 3}, new float[5]))
                .hasMessage("initializer 'w' of shape [2, 3] needs 6 values, has 5");
        assertThatThrownBy(() -> new OnnxGraph("empty").build("t", Map.of()))
                .isInstanceOf(IllegalStateException.class).hasMessage("graph empty has no output");
    }

    @Test
    void modelDeclaresIrVersionOpsetDynamicBatchAndRawLittleEndianInitializers() throws Exception {
        OnnxGraph g = new OnnxGraph("g");
        OnnxGraph.Value x = g.input("x", ElementType.FLOAT32, -1, 2);
        OnnxGraph.Value w = g.initializer("w", new long[] {2}, new float[] {1f, -2f});
        OnnxGraph.Value first = g.op(OnnxOperator.MUL, "scale", List.of(x, w));
        OnnxGraph.Value second = g.op(OnnxOperator.MUL, "scale", List.of(first, w));
        g.output("y", second, ElementType.FLOAT32, -1, 2);
        g.output("x_again", x, ElementType.FLOAT32, -1, 2);
        g.output("y_again", second, ElementType.FLOAT32, -1, 2);
        assertThatThrownBy(() -> g.output("w", w, ElementType.FLOAT32, 2))
                .hasMessage("name 'w' is already used in graph g");
        g.output("w_out", w, ElementType.FLOAT32, 2);

        byte[] bytes = g.build("1.2.3", Map.of("k", "v")).toByteArray();
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(bytes);
        assertThat(m.getIrVersion()).isEqualTo(8);
        assertThat(m.getOpsetImportList()).singleElement()
                .satisfies(o -> assertThat(o.getDomain()).isEmpty())
                .satisfies(o -> assertThat(o.getVersion()).isEqualTo(17));
        assertThat(m.getProducerName()).isEqualTo("layershuffle");
        assertThat(m.getProducerVersion()).isEqualTo("1.2.3");
        assertThat(m.getMetadataProps(0).getKey()).isEqualTo("k");
        assertThat(m.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0).getDimParam())
                .isEqualTo("batch");
        OnnxMl.TensorProto init = m.getGraph().getInitializer(0);
        assertThat(init.getRawData().toByteArray())
                .containsExactly(0x00, 0x00, (byte) 0x80, 0x3f, 0x00, 0x00, 0x00, (byte) 0xc0);
        List<String> nodeNames = m.getGraph().getNodeList().stream().map(OnnxMl.NodeProto::getName).toList();
        assertThat(nodeNames).doesNotHaveDuplicates().containsExactly("scale/Mul", "scale/Mul_1",
                "x_again/Identity", "y_again/Identity", "w_out/Identity");

        try (Ort ort = Ort.open(bytes)) {
            Map<String, NodeInfo> in = ort.session().getInputInfo();
            assertThat(((TensorInfo) in.get("x").getInfo()).getShape()).containsExactly(-1, 2);
            for (int batch : new int[] {1, 3}) {
                float[] data = new float[batch * 2];
                for (int i = 0; i < data.length; i++) {
                    data[i] = i + 1;
                }
                Map<String, Ort.Out> out = ort.floats("x", data, batch, 2).run();
                assertThat(out.keySet()).containsExactly("y", "x_again", "y_again", "w_out");
                assertThat(out.get("y").shape()).containsExactly(batch, 2);
                for (int i = 0; i < data.length; i++) {
                    float expected = data[i] * (i % 2 == 0 ? 1f : 4f);
                    assertThat(out.get("y").data()[i]).isCloseTo(expected, within(0f));
                    assertThat(out.get("y_again").data()[i]).isEqualTo(out.get("y").data()[i]);
                    assertThat(out.get("x_again").data()[i]).isEqualTo(data[i]);
                }
                assertThat(out.get("w_out").data()).containsExactly(1f, -2f);
            }
        }
    }

    @Test
    void int64ConstantsAndLayerNormalizationRunInOrt() throws Exception {
        OnnxGraph g = new OnnxGraph("g");
        OnnxGraph.Value x = g.input("x", ElementType.FLOAT32, -1, 2, 3);
        OnnxGraph.Value flat = g.op(OnnxOperator.RESHAPE, "flat", List.of(x, g.ints("shape", 0, -1)));
        OnnxGraph.Value ln = g.op(OnnxOperator.LAYER_NORMALIZATION, "ln",
                List.of(flat, g.initializer("s", new long[] {6}, new float[] {1, 1, 1, 1, 1, 1}),
                        g.initializer("b", new long[] {6}, new float[6])),
                Attr.of("axis", -1L), Attr.of("epsilon", 1e-6f));
        OnnxGraph.Value first = g.op(OnnxOperator.GATHER, "first", List.of(ln, g.scalar("i", 0L)),
                Attr.of("axis", 1L));
        g.output("y", first, ElementType.FLOAT32, -1);
        try (Ort ort = Ort.open(g.build("t", Map.of()).toByteArray())) {
            Ort.Out y = ort.floats("x", new float[] {1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 6, 7}, 2, 2, 3).run().get("y");
            assertThat(y.shape()).containsExactly(2);
            // row 1: mean 3.5, variance 35/12; row 2: mean 37/6, variance 5/36
            assertThat(y.data()[0]).isCloseTo((float) (-2.5 / Math.sqrt(35.0 / 12 + 1e-6)), within(1e-5f));
            assertThat(y.data()[1]).isCloseTo((float) (-1.0 / 6 / Math.sqrt(5.0 / 36 + 1e-6)), within(1e-5f));
        }
    }
}
