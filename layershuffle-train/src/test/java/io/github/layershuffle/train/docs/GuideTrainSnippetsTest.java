package io.github.layershuffle.train.docs;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.checkpoint.FineTuning;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.eval.Evaluation;
import io.github.layershuffle.train.eval.Evaluator;
import io.github.layershuffle.train.eval.Summary;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.training.TrainingOptions;
import io.github.layershuffle.train.training.TrainingResult;
import io.github.layershuffle.train.training.TrainingRun;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java examples of the "Train" and "Evaluate" sections of {@code docs/GUIDE.md}, compiled and run against the
 * real API. The guide reads Fashion-MNIST and trains the 12-block default model; here the same code runs on a
 * few synthetic 8x8 images with a 3-block model, so it takes seconds. When an example stops compiling or its
 * assertions fail, the guide is wrong: fix the guide and this class together.
 */
class GuideTrainSnippetsTest {
    @TempDir
    Path dir;

    // GUIDE "Train" -- from Java
    @Test
    void trainFromJavaThenFineTuneThenEvaluate() {
        DatasetSplits splits = syntheticSplits();
        ModelConfig config = tinyConfig(Variant.BASELINE, splits);
        Path runs = dir.resolve("runs");

        TrainingResult result = TrainingRun.builder()
                .setStart(ModelCheckpoints.fresh(config, 42))          // a new model of a new family
                .setTrainingData(splits.train())
                .optValidationData(splits.validation())
                .setOutputDirectory(runs.resolve("base"))
                .optOptions(TrainingOptions.builder().epochs(2).batchSize(8).learningRate(1e-3).seed(42).build())
                .build()
                .run();
        System.out.println("best epoch " + result.bestEpoch() + ": " + result.best());

        assertThat(result.best()).isRegularFile();
        assertThat(result.bestEpoch()).isBetween(1, 2);

        // GUIDE "Train" -- fine-tuning a copy with LayerShuffle keeps the family
        Checkpoint base = Checkpoint.read(result.best());
        Checkpoint start = FineTuning.adapt(base, base.config().withVariant(Variant.LAYERSHUFFLE),
                FineTuning.Head.KEEP, 1);
        TrainingResult shuffled = TrainingRun.builder()
                .setStart(start)
                .setTrainingData(splits.train())
                .optValidationData(splits.validation())
                .setOutputDirectory(runs.resolve("ls"))
                .optOptions(TrainingOptions.builder().epochs(1).batchSize(8).seed(1).build())   // lr 1e-4
                .build()
                .run();

        assertThat(shuffled.family()).isEqualTo(base.family());
        assertThat(Checkpoint.read(shuffled.best()).config().variant()).isEqualTo(Variant.LAYERSHUFFLE);

        // GUIDE "Evaluate" -- from Java
        Path checkpoint = shuffled.best();
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = ModelCheckpoints.load(checkpoint, manager);
            Evaluator evaluator = Evaluator.builder(splits.test()).optBatchSize(256).build();

            Evaluation inOrder = evaluator.evaluate("ls", vit, ExecutionPolicy.sequential(), 0);
            Summary shuffledOrder = evaluator.evaluate("ls", vit, ExecutionPolicy.random(), List.of(0L, 1L, 2L));
            Summary pruned = evaluator.evaluate("ls", vit, ExecutionPolicy.random().keep(2), List.of(0L, 1L, 2L));
            System.out.println("in order " + inOrder.top1() + ", shuffled " + shuffledOrder.top1().percent()
                    + ", two random blocks " + pruned.top1().percent());

            assertThat(inOrder.images()).isEqualTo(splits.test().count());
            assertThat(shuffledOrder.runs()).hasSize(3);
            assertThat(pruned.top1().mean()).isBetween(0.0, 1.0);
        }
    }

    /**
     * The guide's "Train" example exactly as printed. Compiled, not run here: it reads Fashion-MNIST and trains the
     * 12-block model for 10 epochs twice; the test above runs the same calls on tiny data.
     */
    static void guideTrainExample() {
        DatasetSplits splits = FashionMnist.splits(FashionMnist.DEFAULT_DIRECTORY);  // 55,000 / 5,000 / 10,000
        ModelConfig config = ModelConfig.builder()                   // 28x28 grey, patch 4, 12 blocks of 64
                .classes(10).labels(FashionMnist.LABELS).variant(Variant.BASELINE).build();

        TrainingResult result = TrainingRun.builder()
                .setStart(ModelCheckpoints.fresh(config, 42))          // a new model of a new family
                .setTrainingData(splits.train())
                .optValidationData(splits.validation())
                .setOutputDirectory(Path.of("runs/base"))
                .optOptions(TrainingOptions.builder().epochs(10).batchSize(128).learningRate(1e-3).seed(42).build())
                .build()
                .run();
        System.out.println("best epoch " + result.bestEpoch() + ": " + result.best());

        // fine-tune a copy with LayerShuffle; the family is kept, so its blocks can be merged with its siblings'
        Checkpoint base = Checkpoint.read(result.best());
        Checkpoint start = FineTuning.adapt(base, base.config().withVariant(Variant.LAYERSHUFFLE),
                FineTuning.Head.KEEP, 1);
        TrainingResult shuffled = TrainingRun.builder()
                .setStart(start)
                .setTrainingData(splits.train())
                .optValidationData(splits.validation())
                .setOutputDirectory(Path.of("runs/ls-1"))
                .optOptions(TrainingOptions.builder().epochs(10).batchSize(128).seed(1).build())   // lr 1e-4
                .build()
                .run();
        System.out.println(shuffled.best());
    }

    /** The guide's "Evaluate" example exactly as printed; compiled, not run here (see the test above). */
    static void guideEvaluateExample(DatasetSplits splits) {
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = ModelCheckpoints.load(Path.of("runs/ls-1/best.safetensors"), manager);
            Evaluator evaluator = Evaluator.builder(splits.test()).optBatchSize(256).build();

            Evaluation inOrder = evaluator.evaluate("ls", vit, ExecutionPolicy.sequential(), 0);
            Summary shuffled = evaluator.evaluate("ls", vit, ExecutionPolicy.random(), List.of(0L, 1L, 2L));
            Summary pruned = evaluator.evaluate("ls", vit, ExecutionPolicy.random().keep(6), List.of(0L, 1L, 2L));
            System.out.println("in order " + inOrder.top1() + ", shuffled " + shuffled.top1().percent()
                    + ", six random blocks " + pruned.top1().percent());
        }
    }

    /** 8x8 grey images of three classes that differ in brightness. */
    private static DatasetSplits syntheticSplits() {
        return new DatasetSplits(images("train", 48, 1), images("validation", 12, 2), images("test", 12, 3));
    }

    private static ImageDataset images(String name, int count, long seed) {
        Random random = new Random(seed);
        float[] pixels = new float[count * 64];
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            labels[i] = i % 3;
            for (int p = 0; p < 64; p++) {
                pixels[i * 64 + p] = Math.min(1f, labels[i] * 0.4f + random.nextFloat() * 0.2f);
            }
        }
        return ImageDataset.of(name, pixels, labels, 1, 8, 8, List.of("dark", "grey", "bright"));
    }

    private static ModelConfig tinyConfig(Variant variant, DatasetSplits splits) {
        return ModelConfig.builder().imageSize(8).channels(1).patchSize(4).width(8).depth(3).heads(2).mlpWidth(16)
                .classes(splits.classNames().size()).labels(splits.classNames()).variant(variant).build();
    }
}
