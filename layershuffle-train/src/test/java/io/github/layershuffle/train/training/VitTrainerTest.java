package io.github.layershuffle.train.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.LocalParameterServer;
import ai.djl.training.ParameterStore;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LossReduction;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.model.TestModels;
import io.github.layershuffle.train.model.VisionTransformer;
import io.github.layershuffle.train.model.VitOutput;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class VitTrainerTest {
    private static final int BATCH = 8;
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager(Device.cpu());
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private TrainingOptions options(long seed) {
        return TrainingOptions.builder().seed(seed).devices(List.of(Device.cpu())).build();
    }

    private NDArray pixels(ModelConfig config) {
        return manager.create(TestModels.randomPixels(config, BATCH, 17),
                new ai.djl.ndarray.types.Shape(BATCH, config.channels(), config.imageSize(), config.imageSize()));
    }

    private NDArray labels() {
        return manager.create(new float[] {0, 1, 2, 3, 3, 2, 1, 0});
    }

    private static Map<String, float[]> weights(VisionTransformer vit, String prefix) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        vit.namedParameters().forEach((name, p) -> {
            if (name.startsWith(prefix)) {
                out.put(name, p.getArray().toFloatArray());
            }
        });
        return out;
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void stepsLowerTheLossOnAFixedBatch(Variant variant) {
        ModelConfig config = TestModels.tiny(variant);
        VisionTransformer vit = VisionTransformer.newInstance(config, 3, manager);
        NDArray x = pixels(config);
        NDArray y = labels();
        ExecutionPlan probe = ExecutionPlan.sequential(config.depth());
        try (VitTrainer trainer = VitTrainer.create(vit, options(5), LearningRateSchedule.constant(3e-3))) {
            double before = trainer.evaluate(x, y, probe).taskLoss();
            for (int i = 0; i < 40; i++) {
                trainer.step(x, y);
            }
            double after = trainer.evaluate(x, y, probe).taskLoss();
            assertThat(after).isLessThan(before * 0.5);
            assertThat(trainer.steps()).isEqualTo(40);
        }
    }

    @Test
    void blocksLeftOutOfAPlanKeepTheirWeightsAndTheirAdamState() {
        ModelConfig config = TestModels.tiny(Variant.LAYERDROP);
        VisionTransformer vit = VisionTransformer.newInstance(config, 3, manager);
        NDArray x = pixels(config);
        NDArray y = labels();
        try (VitTrainer trainer = VitTrainer.create(vit, options(1), LearningRateSchedule.constant(1e-3))) {
            trainer.step(x, y, ExecutionPlan.sequential(3));   // every block gets Adam moments
            Map<String, float[]> block1 = weights(vit, "blocks.1.");
            Map<String, float[]> block0 = weights(vit, "blocks.0.");
            AdamOptimizer.State before = trainer.optimizerState();

            trainer.step(x, y, ExecutionPlan.of(3, 0, 2));

            assertThat(weights(vit, "blocks.1.")).containsExactlyInAnyOrderEntriesOf(block1);
            assertThat(weights(vit, "blocks.0.").get("blocks.0.mlp.fc1.weight"))
                    .isNotEqualTo(block0.get("blocks.0.mlp.fc1.weight"));
            AdamOptimizer.State after = trainer.optimizerState();
            assertThat(after.steps()).containsEntry("blocks.1.attn.qkv.weight", 1)
                    .containsEntry("blocks.0.attn.qkv.weight", 2);
            assertThat(after.tensors().get("m.blocks.1.attn.qkv.weight"))
                    .isEqualTo(before.tensors().get("m.blocks.1.attn.qkv.weight"));
        }
    }

    @Test
    void layerDropSkipsBlocksButNeverAllOfThem() {
        ModelConfig config = TestModels.tiny(Variant.LAYERDROP).toBuilder().layerDropRate(0.6).build();
        VisionTransformer vit = VisionTransformer.newInstance(config, 3, manager);
        NDArray x = pixels(config);
        NDArray y = labels();
        int skipped = 0;
        try (VitTrainer trainer = VitTrainer.create(vit, options(9), LearningRateSchedule.constant(1e-3))) {
            for (int i = 0; i < 30; i++) {
                ExecutionPlan plan = trainer.nextPlan();
                assertThat(plan.size()).isBetween(1, 3);
                Set<Integer> ran = new HashSet<>(plan.blocks());
                Map<Integer, Map<String, float[]>> before = new java.util.HashMap<>();
                for (int b = 0; b < 3; b++) {
                    if (!ran.contains(b)) {
                        before.put(b, weights(vit, "blocks." + b + "."));
                    }
                }
                BatchResult r = trainer.step(x, y);
                assertThat(r.plan()).isEqualTo(plan);
                before.forEach((b, w) -> assertThat(weights(vit, "blocks." + b + ".")).as("block " + b)
                        .containsExactlyInAnyOrderEntriesOf(w));
                skipped += before.size();
            }
        }
        assertThat(skipped).as("blocks skipped over 30 steps at p = 0.6").isGreaterThan(20);
    }

    /**
     * Pins why {@link PlanAwareParameterServer} exists: with DJL's stock {@code LocalParameterServer} and
     * {@code Adam}, a block that did not run still moves (Adam's first moment, applied to a zero gradient).
     */
    @Test
    void djlStockParameterServerMovesBlocksThatDidNotRun() {
        ModelConfig config = TestModels.tiny(Variant.LAYERDROP);
        VisionTransformer vit = VisionTransformer.newInstance(config, 3, manager);
        NDArray x = pixels(config);
        NDArray y = labels();
        ParameterStore ps = new ParameterStore(manager, false);
        Optimizer adam = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-3f)).build();
        ps.setParameterServer(new LocalParameterServer(adam), new Device[] {Device.cpu()});
        for (ExecutionPlan plan : List.of(ExecutionPlan.sequential(3), ExecutionPlan.of(3, 0, 2))) {
            Map<String, float[]> block1 = weights(vit, "blocks.1.");
            try (NDManager scratch = manager.newSubManager()) {
                NDArray xs = x.duplicate();
                xs.attach(scratch);
                try (GradientCollector gc = manager.getEngine().newGradientCollector()) {
                    VitOutput out = vit.forward(ps, xs, plan, true);
                    NDArray ys = y.toType(ai.djl.ndarray.types.DataType.INT64, true);
                    ys.attach(scratch);
                    gc.backward(Losses.crossEntropy(out.logits(), ys));
                }
                ps.updateAllParameters();
            }
            if (plan.size() == 2) {
                assertThat(weights(vit, "blocks.1.").get("blocks.1.mlp.fc1.weight"))
                        .isNotEqualTo(block1.get("blocks.1.mlp.fc1.weight"));
            }
        }
    }

    @Test
    void predictLossIsAddedWithItsWeight() {
        ModelConfig config = TestModels.tiny(Variant.LAYERSHUFFLE_PREDICT).toBuilder().predictLossWeight(0.5).build();
        VisionTransformer vit = ModelCheckpoints.newModel(TestModels.randomCheckpoint(config, 2), manager);
        NDArray x = pixels(config);
        NDArray y = labels();
        ExecutionPlan plan = ExecutionPlan.of(3, 2, 0, 1);
        try (VitTrainer trainer = VitTrainer.create(vit, options(1), LearningRateSchedule.constant(1e-3))) {
            BatchResult r = trainer.evaluate(x, y, plan);
            // the auxiliary loss by hand: for each slot s, mean over images of -log softmax(logits_s)[s]; the
            // default reduction (the authors') is the mean over the 3 slots, the other their sum
            float[] logits = vit.predict(x, plan).positionLogits().toFloatArray();
            double sum = 0;
            for (int s = 0; s < 3; s++) {
                for (int b = 0; b < BATCH; b++) {
                    int off = (s * BATCH + b) * 3;
                    double max = Math.max(logits[off], Math.max(logits[off + 1], logits[off + 2]));
                    double norm = 0;
                    for (int l = 0; l < 3; l++) {
                        norm += Math.exp(logits[off + l] - max);
                    }
                    sum += -(logits[off + s] - max - Math.log(norm)) / BATCH;
                }
            }
            assertThat(r.positionLoss()).isCloseTo(sum / 3, within(1e-4));
            assertThat(r.loss()).isCloseTo(r.taskLoss() + 0.5 * r.positionLoss(), within(1e-9));
            assertThat(r.positionTotal()).isEqualTo(3 * BATCH);
            ModelConfig summed = config.toBuilder().predictLossReduction(LossReduction.SUM).build();
            VisionTransformer same = ModelCheckpoints.newModel(TestModels.randomCheckpoint(summed, 2), manager);
            try (VitTrainer other = VitTrainer.create(same, options(1), LearningRateSchedule.constant(1e-3))) {
                BatchResult s = other.evaluate(x, y, plan);
                assertThat(s.positionLoss()).isCloseTo(sum, within(3e-4));
                assertThat(s.loss()).isCloseTo(s.taskLoss() + 0.5 * s.positionLoss(), within(1e-9));
            }
        }
        ModelConfig plain = TestModels.tiny(Variant.LAYERSHUFFLE);
        VisionTransformer other = VisionTransformer.newInstance(plain, 2, manager);
        try (VitTrainer trainer = VitTrainer.create(other, options(1), LearningRateSchedule.constant(1e-3))) {
            BatchResult r = trainer.evaluate(x, y, plan);
            assertThat(r.positionLoss()).isZero();
            assertThat(r.loss()).isEqualTo(r.taskLoss());
            assertThat(r.positionAccuracy()).isNaN();
        }
    }

    @Test
    void plansFollowTheVariantPolicyPassByPass() {
        ModelConfig config = TestModels.tiny(Variant.LAYERSHUFFLE);
        VisionTransformer vit = VisionTransformer.newInstance(config, 3, manager);
        NDArray x = pixels(config);
        NDArray y = labels();
        ExecutionPolicy policy = Variant.LAYERSHUFFLE.trainingPolicy(config, 21);
        try (VitTrainer trainer = VitTrainer.create(vit, options(21), LearningRateSchedule.constant(1e-3))) {
            for (int i = 0; i < 5; i++) {
                assertThat(trainer.step(x, y).plan()).isEqualTo(policy.planForPass(3, i));
            }
            trainer.setSteps(100);
            assertThat(trainer.nextPlan()).isEqualTo(policy.planForPass(3, 100));
        }
    }

    @Test
    void stepsDoNotAccumulateNativeArrays() {
        ModelConfig config = TestModels.tiny(Variant.LAYERSHUFFLE_POSITION);
        try (NDManager model = manager.newSubManager()) {
            VisionTransformer vit = VisionTransformer.newInstance(config, 3, model);
            NDArray x = pixels(config);
            NDArray y = labels();
            try (VitTrainer trainer = VitTrainer.create(vit, options(2), LearningRateSchedule.constant(1e-3))) {
                trainer.step(x, y);
                trainer.evaluate(x, y, ExecutionPlan.sequential(3));
                int afterOne = model.getManagedArrays().size();
                int callerArrays = manager.getManagedArrays().size();
                for (int i = 0; i < 10; i++) {
                    trainer.step(x, y);
                    trainer.evaluate(x, y, ExecutionPlan.sequential(3));
                }
                assertThat(model.getManagedArrays()).hasSize(afterOne);
                assertThat(manager.getManagedArrays()).hasSize(callerArrays);
            }
        }
    }

    @Test
    void badBatchesAreRefused() {
        ModelConfig config = TestModels.tiny(Variant.BASELINE);
        VisionTransformer vit = VisionTransformer.newInstance(config, 3, manager);
        NDArray x = pixels(config);
        try (VitTrainer trainer = VitTrainer.create(vit, options(1), LearningRateSchedule.constant(1e-3))) {
            assertThatThrownBy(() -> trainer.step(x, manager.create(new float[] {0, 1, 2, 9, 0, 0, 0, 0})))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[0, 4)")
                    .hasMessageContaining("to 9");
            assertThatThrownBy(() -> trainer.step(x, manager.create(new float[] {0, 1})))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labels");
            assertThat(trainer.steps()).isZero();
        }
        VitTrainer closed = VitTrainer.create(vit, options(1), LearningRateSchedule.constant(1e-3));
        closed.close();
        closed.close();
        assertThatThrownBy(() -> closed.step(x, labels())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("VitTrainer");
    }
}
