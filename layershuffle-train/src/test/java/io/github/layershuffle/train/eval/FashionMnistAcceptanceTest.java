package io.github.layershuffle.train.eval;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.training.TrainingOptions;
import io.github.layershuffle.train.training.TrainingResult;
import io.github.layershuffle.train.training.TrainingRun;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance test: a short LayerShuffle run on 2,000 real Fashion-MNIST images reaches at least
 * 50 % test accuracy when its blocks run in a fresh random order per batch (chance: 10 %). Skipped, with the
 * reason, where Debian's dataset-fashion-mnist package is not installed.
 */
class FashionMnistAcceptanceTest {
    @TempDir
    Path dir;

    @Test
    void shortLayerShuffleRunLearnsFashionMnistInAnyBlockOrder() {
        Assumptions.assumeTrue(FashionMnist.isPresent(FashionMnist.DEFAULT_DIRECTORY),
                "Fashion-MNIST is not installed in " + FashionMnist.DEFAULT_DIRECTORY
                        + " (apt-get install dataset-fashion-mnist)");
        DatasetSplits splits = FashionMnist.splits(FashionMnist.DEFAULT_DIRECTORY).limit(2000, 1000, 1);
        ModelConfig config = ModelConfig.builder().patchSize(7).width(32).depth(4).heads(2).mlpWidth(64)
                .classes(10).labels(FashionMnist.LABELS).variant(Variant.LAYERSHUFFLE).build();
        TrainingResult result = TrainingRun.builder()
                .setStart(ModelCheckpoints.fresh(config, 1))
                .setTrainingData(splits.train())
                .setOutputDirectory(dir)
                .optOptions(TrainingOptions.builder().epochs(6).batchSize(32).learningRate(3e-3).seed(1).build())
                .build()
                .run();
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer model = ModelCheckpoints.load(result.last(), manager);
            Summary shuffled = Evaluator.builder(splits.test()).build()
                    .evaluate("layershuffle", model, ExecutionPolicy.random(), List.of(0L, 1L, 2L));
            assertThat(shuffled.first().images()).isEqualTo(1000);
            assertThat(shuffled.top1().mean()).as("test accuracy in random block order, 3 seeds")
                    .isGreaterThanOrEqualTo(0.5);
        }
    }
}
