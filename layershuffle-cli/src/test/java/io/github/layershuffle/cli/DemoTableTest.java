package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.cli.eval.OrtEvaluation;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.eval.EvaluationListener;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's table on tiny untrained models: rows, plans, which model each column runs, the Frankenstein. */
class DemoTableTest {
    private static final int DEPTH = 4;

    @TempDir
    Path dir;

    private final List<LayerShuffleModel> open = new ArrayList<>();

    @AfterEach
    void close() {
        open.forEach(LayerShuffleModel::close);
    }

    private static ModelConfig config(Variant variant) {
        return ModelConfig.builder().imageSize(8).channels(1).patchSize(4).width(16).depth(DEPTH).heads(2)
                .mlpWidth(32).classes(3).variant(variant).build();
    }

    /** A model of {@code a}'s family (so the two can be composed) with other weights. */
    private static Checkpoint sibling(Checkpoint a, long seed) {
        return new Checkpoint(a.config(), a.family(), Map.of(), ModelCheckpoints.fresh(a.config(), seed).tensors());
    }

    private LayerShuffleModel load(Checkpoint c, String name) {
        LayerShuffleModel m = LayerShuffleModel.load(OnnxExporter.builder().build().export(c, dir.resolve(name)));
        open.add(m);
        return m;
    }

    private static ImageDataset data(int n) {
        Random r = new Random(7);
        float[] pixels = new float[n * 64];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 3;
            for (int p = 0; p < 64; p++) {
                pixels[i * 64 + p] = r.nextFloat();
            }
        }
        return ImageDataset.of("tiny", pixels, labels, 1, 8, 8, List.of("a", "b", "c"));
    }

    private DemoTable.Models models() {
        Checkpoint a = ModelCheckpoints.fresh(config(Variant.BASELINE), 1);
        Checkpoint c = ModelCheckpoints.fresh(config(Variant.LAYERSHUFFLE), 3);
        return new DemoTable.Models(List.of(load(a, "a"), load(sibling(a, 2), "b")),
                List.of(load(c, "c"), load(sibling(c, 4), "d")));
    }

    @Test
    void rowsAreInOrderRandomReversedPrunedToHalfAndFrankenstein() {
        List<DemoTable.Row> rows = DemoTable.rows(6, false);
        assertThat(rows).extracting(DemoTable.Row::name).containsExactly("in order", "random order", "reversed",
                "pruned: first 3 blocks, in order", "pruned: 3 random blocks, random order");
        assertThat(rows.get(0).policy().plan(6).toArray()).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(rows.get(2).policy().plan(6).toArray()).containsExactly(5, 4, 3, 2, 1, 0);
        assertThat(rows.get(3).policy().plan(6).toArray()).containsExactly(0, 1, 2);
        assertThat(rows.get(4).policy().plan(6).size()).isEqualTo(3);
        assertThat(rows).noneMatch(DemoTable.Row::frankenstein);

        List<DemoTable.Row> all = DemoTable.rows(6, true);
        assertThat(all).hasSize(7);
        assertThat(all.subList(5, 7)).allMatch(DemoTable.Row::frankenstein);
        assertThatThrownBy(() -> DemoTable.rows(1, false)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 2 blocks");
    }

    @Test
    void bothColumnsRunTheirOwnModelUnderTheRowsPlans() {
        DemoTable.Models models = models();
        ImageDataset test = data(40);
        List<String> tasks = new ArrayList<>();
        EvaluationListener listener = (task, done, total) -> tasks.add(task);
        List<DemoTable.Row> rows = DemoTable.rows(DEPTH, true);
        List<DemoTable.Result> results = DemoTable.measure(models, rows, test, 5, 8, listener);

        assertThat(results).hasSize(rows.size());
        try (LayerShuffleModel baselineMix = DemoTable.frankenstein(models.baseline().get(0), models.baseline().get(1));
             LayerShuffleModel shuffleMix = DemoTable.frankenstein(models.layerShuffle().get(0),
                     models.layerShuffle().get(1))) {
            for (DemoTable.Result r : results) {
                ExecutionPolicy p = r.row().policy();
                LayerShuffleModel b = r.row().frankenstein() ? baselineMix : models.baseline().get(0);
                LayerShuffleModel s = r.row().frankenstein() ? shuffleMix : models.layerShuffle().get(0);
                assertThat(r.baseline()).as(r.row().name())
                        .isEqualTo(OrtEvaluation.evaluate(b, test, p, 5, 8, EvaluationListener.NONE).top1());
                assertThat(r.layerShuffle()).as(r.row().name())
                        .isEqualTo(OrtEvaluation.evaluate(s, test, p, 5, 8, EvaluationListener.NONE).top1());
                assertThat(r.firstPlan()).isEqualTo(p.seeded(5).planForPass(DEPTH, 0));
            }
        }
        assertThat(tasks).contains("baseline, random order", "LayerShuffle, random order",
                "LayerShuffle, Frankenstein of 2 models, in order");
    }

    @Test
    void theFrankensteinTakesEvenSlotsFromTheFirstModelAndOddOnesFromTheSecond() throws Exception {
        DemoTable.Models models = models();
        LayerShuffleModel a = models.baseline().get(0);
        LayerShuffleModel b = models.baseline().get(1);
        float[][][][] pixels = new float[2][1][8][8];
        pixels[1][0][3][4] = 1;
        try (LayerShuffleModel mix = DemoTable.frankenstein(a, b); OnnxTensor tokens = a.stem(pixels)) {
            assertThat(mix.size()).isEqualTo(DEPTH);
            for (int slot = 0; slot < DEPTH; slot++) {
                ExecutionPlan plan = ExecutionPlan.of(DEPTH, slot);
                float[] fromMix = run(mix, tokens, plan);
                float[] fromA = run(a, tokens, plan);
                float[] fromB = run(b, tokens, plan);
                assertThat(fromA).as("the two models differ").isNotEqualTo(fromB);
                assertThat(fromMix).as("slot " + slot).isEqualTo(slot % 2 == 0 ? fromA : fromB);
            }
        }
    }

    private static float[] run(LayerShuffleModel m, OnnxTensor tokens, ExecutionPlan plan) {
        try (OnnxTensor out = m.run(tokens, plan)) {
            java.nio.FloatBuffer b = out.getFloatBuffer();
            float[] values = new float[b.remaining()];
            b.get(values);
            return values;
        }
    }

    @Test
    void singleModelsHaveNoFrankensteinRowsAndMismatchesAreRefused() {
        DemoTable.Models models = models();
        DemoTable.Models single = new DemoTable.Models(models.baseline().subList(0, 1),
                models.layerShuffle().subList(0, 1));
        assertThat(single.frankenstein()).isFalse();
        assertThatThrownBy(() -> DemoTable.measure(single, DemoTable.rows(DEPTH, true), data(8), 0, 8,
                EvaluationListener.NONE)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("two models per method");
        assertThatThrownBy(() -> new DemoTable.Models(models.baseline(), models.layerShuffle().subList(0, 1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 baseline and 1 LayerShuffle");
    }

    @Test
    void theTablePutsBothMethodsSideBySideWithTheirDropAndTheFirstPlan() {
        List<DemoTable.Row> rows = DemoTable.rows(DEPTH, true);
        List<DemoTable.Result> results = new ArrayList<>();
        double[][] top1 = {{0.88, 0.87}, {0.42, 0.86}, {0.30, 0.85}, {0.70, 0.75}, {0.35, 0.72}, {0.8799, 0.86},
            {0.20, 0.84}};
        for (int i = 0; i < rows.size(); i++) {
            results.add(new DemoTable.Result(rows.get(i), rows.get(i).policy().seeded(0).planForPass(DEPTH, 0),
                    top1[i][0], top1[i][1]));
        }
        StringWriter text = new StringWriter();
        DemoTable.table(results, 10_000).print(new PrintWriter(text));
        List<String> lines = text.toString().lines().toList();
        assertThat(lines.get(1)).contains("10000 images").contains("ONNX Runtime");
        assertThat(lines.get(2)).matches("blocks run\\s+baseline\\s+LayerShuffle\\s+first plan");
        assertThat(lines.get(4)).matches("in order\\s+88\\.00 %\\s+87\\.00 %\\s+\\[0, 1, 2, 3]");
        assertThat(lines.get(5)).startsWith("random order").contains("42.00 % (-46.0)").contains("86.00 % (-1.0)")
                .endsWith(results.get(1).firstPlan().toString());
        assertThat(lines.get(6)).contains("30.00 % (-58.0)").endsWith("[3, 2, 1, 0]");
        assertThat(lines.get(9)).contains("87.99 % (0.0)").contains("86.00 % (-1.0)");
        assertThat(lines.get(10)).startsWith("Frankenstein of 2 models, random order").contains("20.00 % (-68.0)")
                .contains("slots [");
        assertThat(results.get(1).drop(results.get(0).baseline(), false)).isEqualTo(0.88 - 0.42);
        assertThat(results.get(1).drop(results.get(0).layerShuffle(), true)).isEqualTo(0.87 - 0.86);
    }
}
