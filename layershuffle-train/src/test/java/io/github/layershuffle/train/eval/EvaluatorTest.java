package io.github.layershuffle.train.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.model.VitOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EvaluatorTest {
    static final int IMAGES = 37;
    NDManager manager;
    ImageDataset data;

    static ModelConfig config(Variant variant) {
        return ModelConfig.builder().imageSize(8).channels(1).patchSize(4).width(16).depth(4).heads(2)
                .mlpWidth(32).classes(6).variant(variant).build();
    }

    static ImageDataset randomData(int count, int classes, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] pixels = new float[count * 64];
        int[] labels = new int[count];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) r.nextDouble();
        }
        for (int i = 0; i < count; i++) {
            labels[i] = r.nextInt(classes);
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("c" + c);
        }
        return ImageDataset.of("random", pixels, labels, 1, 8, 8, names);
    }

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        data = randomData(IMAGES, 6, 1);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    /** Top-1 hits, counted by a plain loop over single images. */
    long handTop1(VisionTransformer vit, ExecutionPlan plan) {
        long hits = 0;
        for (int i = 0; i < data.count(); i++) {
            try (NDManager scratch = manager.newSubManager()) {
                NDList batch = data.batch(scratch, i);
                VitOutput out = vit.predict(batch.get(0), plan);
                if (out.logits().argMax(1).getLong() == data.label(i)) {
                    hits++;
                }
            }
        }
        return hits;
    }

    @Test
    void sequentialAccuracyEqualsAHandLoop() {
        VisionTransformer vit = VisionTransformer.newInstance(config(Variant.BASELINE), 3, manager);
        Evaluator evaluator = Evaluator.builder(data).optBatchSize(8).build();
        Evaluation e = evaluator.evaluate("tiny", vit, ExecutionPolicy.sequential(), 0);
        assertThat(e.images()).isEqualTo(IMAGES);
        assertThat(e.top1()).isEqualTo((double) handTop1(vit, ExecutionPlan.sequential(4)) / IMAGES);
        assertThat(e.topK()).isGreaterThanOrEqualTo(e.top1());
        assertThat(e.k()).isEqualTo(5);
        assertThat(e.loss()).isGreaterThan(0);
        assertThat(e.positionAccuracy()).isEmpty();
        assertThat(e.firstPlan()).isEqualTo(ExecutionPlan.sequential(4));
        // the batch size does not change the result
        Evaluation one = Evaluator.builder(data).optBatchSize(IMAGES).build()
                .evaluate("tiny", vit, ExecutionPolicy.sequential(), 0);
        assertThat(one.top1()).isEqualTo(e.top1());
        assertThat(one.loss()).isCloseTo(e.loss(), within(1e-5));
    }

    @Test
    void lossIsTheMeanCrossEntropy() {
        VisionTransformer vit = VisionTransformer.newInstance(config(Variant.BASELINE), 5, manager);
        double sum = 0;
        NDList all = data.batch(manager, java.util.stream.LongStream.range(0, IMAGES).toArray());
        NDArray logp = vit.predict(all.get(0), ExecutionPlan.sequential(4)).logits().logSoftmax(1);
        float[] lp = logp.toFloatArray();
        for (int i = 0; i < IMAGES; i++) {
            sum -= lp[i * 6 + data.label(i)];
        }
        Evaluation e = Evaluator.builder(data).build().evaluate("tiny", vit, ExecutionPolicy.sequential(), 0);
        assertThat(e.loss()).isCloseTo(sum / IMAGES, within(1e-4));
    }

    @Test
    void arbitraryOrderIsSeededAndSummarisedOverSeeds() {
        VisionTransformer vit = VisionTransformer.newInstance(config(Variant.LAYERSHUFFLE), 4, manager);
        Evaluator evaluator = Evaluator.builder(data).optBatchSize(4).build();
        Summary s = evaluator.evaluate("tiny", vit, ExecutionPolicy.random(), List.of(0L, 1L, 2L, 3L));
        assertThat(s.runs()).hasSize(4);
        assertThat(s.top1().count()).isEqualTo(4);
        double mean = s.runs().stream().mapToDouble(Evaluation::top1).average().orElseThrow();
        assertThat(s.top1().mean()).isCloseTo(mean, within(1e-12));
        double var = s.runs().stream().mapToDouble(r -> (r.top1() - mean) * (r.top1() - mean)).sum() / 3;
        assertThat(s.top1().std()).isCloseTo(Math.sqrt(var), within(1e-12));
        assertThat(s.runs().stream().map(Evaluation::firstPlan).distinct().count()).isGreaterThan(1);
        // the same seed gives the same result, plan for plan
        Evaluation again = evaluator.evaluate("tiny", vit, ExecutionPolicy.random(), 2L);
        assertThat(again.top1()).isEqualTo(s.runs().get(2).top1());
        assertThat(again.loss()).isEqualTo(s.runs().get(2).loss());
        assertThat(again.firstPlan()).isEqualTo(s.runs().get(2).firstPlan());
        assertThat(s.toJson().get("top1").get("count").asInt()).isEqualTo(4);
    }

    @Test
    void keptBlocksRunOnlyKBlocks() {
        VisionTransformer vit = VisionTransformer.newInstance(config(Variant.LAYERSHUFFLE_PREDICT), 6, manager);
        Evaluator evaluator = Evaluator.builder(data).optBatchSize(IMAGES).build();
        Evaluation first2 = evaluator.evaluate("tiny", vit, ExecutionPolicy.sequential().keep(2), 0);
        assertThat(first2.firstPlan()).isEqualTo(ExecutionPlan.of(4, 0, 1));
        assertThat(first2.top1()).isEqualTo((double) handTop1(vit, ExecutionPlan.of(4, 0, 1)) / IMAGES);
        Evaluation random3 = evaluator.evaluate("tiny", vit, ExecutionPolicy.random().keep(3), 9);
        assertThat(random3.firstPlan().size()).isEqualTo(3);
        assertThat(random3.top1()).isEqualTo((double) handTop1(vit, random3.firstPlan()) / IMAGES);
        // position accuracy is counted over the blocks that ran, in the slots they ran in
        assertThat(first2.positionAccuracy()).isPresent();
        double[] perBlock = first2.blockPositionAccuracy();
        assertThat(perBlock[2]).isNaN();
        assertThat(perBlock[3]).isNaN();
        assertThat(first2.positionAccuracy().getAsDouble()).isCloseTo((perBlock[0] + perBlock[1]) / 2, within(1e-12));
    }

    @Test
    void positionAccuracyMatchesTheArgmaxOfEachSlot() {
        VisionTransformer vit = VisionTransformer.newInstance(config(Variant.LAYERSHUFFLE_PREDICT), 8, manager);
        ExecutionPlan plan = ExecutionPlan.of(4, 2, 0, 3, 1);
        NDList all = data.batch(manager, java.util.stream.LongStream.range(0, IMAGES).toArray());
        NDArray pos = vit.predict(all.get(0), plan).positionLogits();      // [4, B, 4]
        long hits = 0;
        long[] predicted = pos.argMax(2).toLongArray();
        for (int s = 0; s < 4; s++) {
            for (int i = 0; i < IMAGES; i++) {
                hits += predicted[s * IMAGES + i] == s ? 1 : 0;
            }
        }
        Evaluation e = Evaluator.builder(data).optBatchSize(IMAGES).build()
                .evaluate("tiny", vit, ExecutionPolicy.fixed(2, 0, 3, 1), 0);
        assertThat(e.positionAccuracy().getAsDouble()).isCloseTo((double) hits / (4 * IMAGES), within(1e-12));
    }

    @Test
    void ensembleAveragesLogits() {
        VisionTransformer a = VisionTransformer.newInstance(config(Variant.BASELINE), 11, manager);
        VisionTransformer b = VisionTransformer.newInstance(config(Variant.BASELINE), 12, manager);
        NDList all = data.batch(manager, java.util.stream.LongStream.range(0, IMAGES).toArray());
        ExecutionPlan seq = ExecutionPlan.sequential(4);
        NDArray mean = a.predict(all.get(0), seq).logits().add(b.predict(all.get(0), seq).logits()).div(2);
        long[] argmax = mean.argMax(1).toLongArray();
        long hits = 0;
        for (int i = 0; i < IMAGES; i++) {
            hits += argmax[i] == data.label(i) ? 1 : 0;
        }
        Evaluator evaluator = Evaluator.builder(data).optBatchSize(10).build();
        Evaluation e = evaluator.ensemble("a+b", List.of(a, b), ExecutionPolicy.sequential(), 0);
        assertThat(e.top1()).isEqualTo((double) hits / IMAGES);
        assertThat(e.positionAccuracy()).isEmpty();
        VisionTransformer wrong = VisionTransformer.newInstance(
                config(Variant.BASELINE).toBuilder().classes(4).build(), 1, manager);
        assertThatThrownBy(() -> evaluator.ensemble("x", List.of(a, wrong), ExecutionPolicy.sequential(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("member 1")
                .hasMessageContaining("4 classes");
    }

    @Test
    void dataThatDoesNotFitTheModelIsRefused() {
        VisionTransformer vit = VisionTransformer.newInstance(
                config(Variant.BASELINE).toBuilder().imageSize(12).build(), 1, manager);
        assertThatThrownBy(() -> Evaluator.builder(data).build().evaluate("x", vit, ExecutionPolicy.sequential(), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[1, 8, 8]")
                .hasMessageContaining("[1, 12, 12]");
    }
}
