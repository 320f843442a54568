package io.github.layershuffle.train.parity;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Safetensors;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.model.VisionTransformer;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * -position blocks exported one file each: a block graph run alone in ONNX Runtime, told its slot, matches the
 * DJL block of the same checkpoint in that slot within 1e-4 (absolute, float32 on both sides), with the shared
 * slot table copied into every block file; and checkpoints written before the {@code slotTable} field (one
 * table per block) still load and export.
 */
class SlotTableExportTest {
    private static final double TOLERANCE = 1e-4;
    private static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    @TempDir
    Path dir;

    private static float[] tokens(ModelConfig c, int batch, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] t = new float[batch * c.tokenCount() * c.width()];
        for (int i = 0; i < t.length; i++) {
            t[i] = (float) r.nextGaussian();
        }
        return t;
    }

    private static float[] ortBlock(Path file, float[] tokens, long[] shape, long slot) throws OrtException {
        try (OrtSession session = ENV.createSession(file.toString(), new OrtSession.SessionOptions());
             OnnxTensor x = OnnxTensor.createTensor(ENV, FloatBuffer.wrap(tokens), shape);
             OnnxTensor p = OnnxTensor.createTensor(ENV, LongBuffer.wrap(new long[] {slot}), new long[0]);
             OrtSession.Result r = session.run(Map.of("tokens", x, "position", p))) {
            FloatBuffer fb = ((OnnxTensor) r.get("tokens_out").orElseThrow()).getFloatBuffer();
            float[] out = new float[fb.remaining()];
            fb.get(out);
            return out;
        }
    }

    private static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    @Test
    void eachExportedBlockAloneMatchesItsDjlBlockInEverySlot() throws OrtException {
        ModelConfig config = OrtDjlParityTest.config(Variant.LAYERSHUFFLE_POSITION).toBuilder().depth(4).build();
        assertThat(config.slotTable()).isEqualTo(SlotTable.SHARED);
        Checkpoint ckpt = OrtDjlParityTest.randomCheckpoint(config, "fam", 21);
        Path export = OnnxExporter.create().export(ckpt, dir.resolve("export"));
        int batch = 3;
        long[] shape = {batch, config.tokenCount(), config.width()};
        float[] x = tokens(config, batch, 4);
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = ModelCheckpoints.newModel(ckpt, manager);
            ParameterStore ps = new ParameterStore(manager, false);
            NDArray input = manager.create(x, new Shape(shape));
            for (int block = 0; block < config.depth(); block++) {
                float[] first = null;
                for (int slot = 0; slot < config.depth(); slot++) {
                    float[] djl = vit.block(block).apply(ps, new NDList(input), slot, false).head().toFloatArray();
                    float[] ort = ortBlock(export.resolve(String.format("block-%02d.onnx", block)), x, shape, slot);
                    assertThat(maxAbsDiff(ort, djl)).as("block %d in slot %d", block, slot).isLessThan(TOLERANCE);
                    if (first == null) {
                        first = ort;
                    } else {
                        // the slot is looked up in the block's copy of the table: it changes the output
                        assertThat(maxAbsDiff(ort, first)).as("block %d, slot %d vs 0", block, slot)
                                .isGreaterThan(1e-3);
                    }
                }
            }
        }
    }

    /** A -position checkpoint as written before the slotTable field: per-block tables, no field in its config. */
    @Test
    void aCheckpointWithPerBlockTablesAndNoFieldLoadsAndExports() {
        ModelConfig perBlock = OrtDjlParityTest.config(Variant.LAYERSHUFFLE_POSITION).toBuilder()
                .slotTable(SlotTable.PER_BLOCK).build();
        Checkpoint ckpt = OrtDjlParityTest.randomCheckpoint(perBlock, "old-family", 31);
        ObjectNode json = perBlock.toJsonNode();
        json.remove("slotTable");
        json.remove("predictLossReduction");
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", Checkpoint.FORMAT);
        meta.put("version", "1");
        meta.put("config", json.toString());
        meta.put("family", "old-family");
        Path file = dir.resolve("old.safetensors");
        Safetensors.write(file, meta, ckpt.tensors().values());

        Path export = OnnxExporter.create().export(file, dir.resolve("old-export"));
        float[][][][] x = OrtDjlParityTest.pixels(perBlock, 2, 8);
        try (NDManager manager = NDManager.newBaseManager(); LayerShuffleModel ort = LayerShuffleModel.load(export)) {
            VisionTransformer vit = ModelCheckpoints.load(file, manager);
            assertThat(vit.config().slotTable()).isEqualTo(SlotTable.PER_BLOCK);
            for (ExecutionPlan plan : List.of(ExecutionPlan.sequential(perBlock.depth()),
                    ExecutionPolicy.random(3).plan(perBlock.depth()))) {
                NDArray pixels = manager.create(flatten(x), new Shape(2, perBlock.channels(), perBlock.imageSize(),
                        perBlock.imageSize()));
                float[] djl = vit.predict(pixels, plan).logits().toFloatArray();
                float[][] logits = ort.predict(x, plan).logits();
                float[] flat = new float[djl.length];
                for (int b = 0; b < logits.length; b++) {
                    System.arraycopy(logits[b], 0, flat, b * logits[b].length, logits[b].length);
                }
                assertThat(maxAbsDiff(flat, djl)).as("plan %s", plan).isLessThan(TOLERANCE);
            }
        }
    }

    private static float[] flatten(float[][][][] x) {
        int c = x[0].length;
        int h = x[0][0].length;
        int w = x[0][0][0].length;
        float[] flat = new float[x.length * c * h * w];
        int i = 0;
        for (float[][][] image : x) {
            for (float[][] channel : image) {
                for (float[] row : channel) {
                    System.arraycopy(row, 0, flat, i, w);
                    i += w;
                }
            }
        }
        return flat;
    }
}
