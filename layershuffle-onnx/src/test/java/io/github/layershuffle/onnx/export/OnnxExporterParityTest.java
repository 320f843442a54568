package io.github.layershuffle.onnx.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.onnxruntime.OrtException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every exported graph, run in ONNX Runtime, matches {@link ReferenceVit} (the FORMATS.md computations as
 * plain loops) within an absolute tolerance of 1e-4, for every variant, 1 and 3 channels, batch 1 and 5
 * through the same graph, and -position with a shared slot table and with one per block.
 */
class OnnxExporterParityTest {
    private static final float TOLERANCE = 1e-4f;
    private static final int[] BATCHES = {1, 5};

    @TempDir
    Path tmp;

    static Stream<Arguments> variantsAndChannels() {
        List<Arguments> args = new ArrayList<>();
        for (Variant v : Variant.values()) {
            args.add(Arguments.of(v, 1, SlotTable.SHARED));
            args.add(Arguments.of(v, 3, SlotTable.SHARED));
        }
        args.add(Arguments.of(Variant.LAYERSHUFFLE_POSITION, 1, SlotTable.PER_BLOCK));
        return args.stream();
    }

    @ParameterizedTest(name = "{0}, {1} channel(s), {2} slot table")
    @MethodSource("variantsAndChannels")
    void everyGraphMatchesTheReference(Variant variant, int channels, SlotTable table) throws Exception {
        ModelConfig config = TinyModels.config(variant, channels).toBuilder().slotTable(table).build();
        Checkpoint ckpt = TinyModels.checkpoint(config, 11 + channels);
        Path dir = OnnxExporter.builder().optFullModel(true).build().export(ckpt, tmp.resolve("export"));
        ReferenceVit ref = new ReferenceVit(ckpt);
        int t = config.tokenCount();
        int d = config.width();
        int depth = config.depth();

        try (Ort stem = Ort.open(dir.resolve("stem.onnx")); Ort head = Ort.open(dir.resolve("head.onnx"));
             Ort full = Ort.open(dir.resolve("model.onnx"))) {
            List<Ort> blocks = new ArrayList<>();
            for (int i = 0; i < depth; i++) {
                blocks.add(Ort.open(dir.resolve(OnnxExporter.blockFile(i))));
            }
            for (int batch : BATCHES) {
                float[] pixels = TinyModels.pixels(config, batch, 100 + batch);
                long[] pixelShape = {batch, channels, config.imageSize(), config.imageSize()};

                Ort.Out tokens = stem.floats("pixels", pixels, pixelShape).run().get("tokens");
                float[] refTokens = ref.stem(pixels, batch);
                assertThat(tokens.shape()).containsExactly(batch, t, d);
                assertThat(tokens.data()).containsExactly(refTokens, within(TOLERANCE));

                for (int i = 0; i < depth; i++) {
                    int[] slots = variant.usesPosition() ? new int[] {0, 1, 2} : new int[] {i};
                    for (int slot : slots) {
                        checkBlock(blocks.get(i), ref, config, i, slot, refTokens, batch);
                    }
                }

                Ort.Out logits = head.floats("tokens", refTokens, batch, t, d).run().get("logits");
                assertThat(logits.shape()).containsExactly(batch, config.classes());
                assertThat(logits.data()).containsExactly(ref.head(refTokens, batch), within(TOLERANCE));

                float[] chained = tokens.data();
                for (int i = 0; i < depth; i++) {
                    Ort b = blocks.get(i).floats("tokens", chained, batch, t, d);
                    if (variant.usesPosition()) {
                        b.int64Scalar("position", i);
                    }
                    chained = b.run().get("tokens_out").data();
                }
                float[] chainedLogits = head.floats("tokens", chained, batch, t, d).run().get("logits").data();
                Ort.Out whole = full.floats("pixels", pixels, pixelShape).run().get("logits");
                assertThat(whole.shape()).containsExactly(batch, config.classes());
                assertThat(whole.data()).containsExactly(ref.forward(pixels, batch, 0, 1, 2), within(TOLERANCE));
                assertThat(whole.data()).containsExactly(chainedLogits, within(TOLERANCE));
            }
            for (Ort b : blocks) {
                b.close();
            }
        }
    }

    private static void checkBlock(Ort block, ReferenceVit ref, ModelConfig config, int index, int slot,
                                   float[] tokens, int batch) throws OrtException {
        Variant variant = config.variant();
        block.floats("tokens", tokens, batch, config.tokenCount(), config.width());
        if (variant.usesPosition()) {
            block.int64Scalar("position", slot);
        }
        Map<String, Ort.Out> out = block.run();
        float[] expected = ref.block(index, tokens, batch, slot);
        assertThat(out.keySet()).containsExactlyElementsOf(
                variant.predictsPosition() ? List.of("tokens_out", "position_logits") : List.of("tokens_out"));
        assertThat(out.get("tokens_out").shape()).containsExactly(batch, config.tokenCount(), config.width());
        assertThat(out.get("tokens_out").data()).as("block %d in slot %d", index, slot)
                .containsExactly(expected, within(TOLERANCE));
        if (variant.predictsPosition()) {
            Ort.Out logits = out.get("position_logits");
            assertThat(logits.shape()).containsExactly(batch, config.depth());
            assertThat(logits.data()).containsExactly(ref.positionLogits(index, expected, batch), within(TOLERANCE));
        }
    }

    @Test
    void positionChangesTheOutputAndAnOutOfRangeSlotFailsAtRunTime() throws Exception {
        ModelConfig config = TinyModels.config(Variant.LAYERSHUFFLE_POSITION, 1);
        Checkpoint ckpt = TinyModels.checkpoint(config, 5);
        Path dir = OnnxExporter.create().export(ckpt, tmp.resolve("pos"));
        float[] tokens = TinyModels.tokens(config, 2, 9);
        try (Ort block = Ort.open(dir.resolve("block-01.onnx"))) {
            float[] slot0 = block.floats("tokens", tokens, 2, 5, 16).int64Scalar("position", 0).run()
                    .get("tokens_out").data();
            float[] slot2 = block.floats("tokens", tokens, 2, 5, 16).int64Scalar("position", 2).run()
                    .get("tokens_out").data();
            assertThat(slot0).isNotEqualTo(slot2);
            block.floats("tokens", tokens, 2, 5, 16).int64Scalar("position", config.depth());
            assertThatThrownBy(block::run).isInstanceOf(OrtException.class);
        }
    }

    @Test
    void fashionMnistSizedModelMatchesTheReference() throws Exception {
        // the experiments' model: 28x28 grey, patch 4 (T = 50), 12 blocks of width 64, 4 heads
        ModelConfig config = ModelConfig.builder().variant(Variant.LAYERSHUFFLE_POSITION).build();
        Checkpoint ckpt = TinyModels.checkpoint(config, 21);
        Path dir = OnnxExporter.builder().optFullModel(true).build().export(ckpt, tmp.resolve("fmnist"));
        float[] pixels = TinyModels.pixels(config, 2, 3);
        int[] order = {11, 3, 0, 7, 1, 10, 2, 9, 4, 8, 5, 6};
        ReferenceVit ref = new ReferenceVit(ckpt);
        try (Ort full = Ort.open(dir.resolve("model.onnx")); Ort stem = Ort.open(dir.resolve("stem.onnx"));
             Ort head = Ort.open(dir.resolve("head.onnx"))) {
            Ort.Out logits = full.floats("pixels", pixels, 2, 1, 28, 28).run().get("logits");
            int[] sequential = java.util.stream.IntStream.range(0, 12).toArray();
            assertThat(logits.data()).containsExactly(ref.forward(pixels, 2, sequential), within(TOLERANCE));

            float[] x = stem.floats("pixels", pixels, 2, 1, 28, 28).run().get("tokens").data();
            for (int slot = 0; slot < order.length; slot++) {
                try (Ort block = Ort.open(dir.resolve(OnnxExporter.blockFile(order[slot])))) {
                    x = block.floats("tokens", x, 2, 50, 64).int64Scalar("position", slot).run()
                            .get("tokens_out").data();
                }
            }
            float[] shuffled = head.floats("tokens", x, 2, 50, 64).run().get("logits").data();
            assertThat(shuffled).containsExactly(ref.forward(pixels, 2, order), within(TOLERANCE));
            assertThat(shuffled).isNotEqualTo(logits.data());
        }
    }

    @Test
    void referenceErfIsAccurate() {
        assertThat(ReferenceVit.erf(0)).isEqualTo(0.0);
        assertThat(ReferenceVit.erf(0.5)).isCloseTo(0.5204998778130465, within(1e-14));
        assertThat(ReferenceVit.erf(-2)).isCloseTo(-0.9953222650189527, within(1e-14));
        assertThat(ReferenceVit.erf(3.5)).isCloseTo(0.9999992569016276, within(1e-14));
    }
}
