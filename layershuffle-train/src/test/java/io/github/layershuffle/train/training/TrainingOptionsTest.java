package io.github.layershuffle.train.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.Variant;
import org.junit.jupiter.api.Test;

class TrainingOptionsTest {

    @Test
    void defaultsAreThePapersFineTuningSettings() {
        TrainingOptions o = TrainingOptions.builder().build();
        assertThat(o.learningRate()).isEqualTo(1e-4);
        assertThat(o.beta1()).isEqualTo(0.9);
        assertThat(o.beta2()).isEqualTo(0.999);
        assertThat(o.epsilon()).isEqualTo(1e-6);
        assertThat(o.weightDecay()).isZero();
        assertThat(o.devices()).isEmpty();
        assertThat(o.resolveDevices()).hasSize(Math.max(1, Engine.getInstance().getGpuCount()));
        assertThat(o.validationPolicy(Variant.BASELINE).plan(4)).isEqualTo(ExecutionPlan.sequential(4));
        assertThat(o.validationPolicy(Variant.LAYERDROP).plan(4)).isEqualTo(ExecutionPlan.sequential(4));
        assertThat(o.validationPolicy(Variant.LAYERSHUFFLE).planForPass(12, 3))
                .isEqualTo(o.validationPolicy(Variant.LAYERSHUFFLE_PREDICT).planForPass(12, 3));
    }

    @Test
    void badValuesAreRefusedNamingTheField() {
        assertThatThrownBy(() -> TrainingOptions.builder().epochs(0).build()).hasMessageContaining("epochs");
        assertThatThrownBy(() -> TrainingOptions.builder().batchSize(0).build()).hasMessageContaining("batchSize");
        assertThatThrownBy(() -> TrainingOptions.builder().learningRate(-1).build())
                .hasMessageContaining("learningRate");
        assertThatThrownBy(() -> TrainingOptions.builder().betas(0.9, 1).build()).hasMessageContaining("beta2");
        assertThatThrownBy(() -> LearningRateSchedule.warmup(1e-3, 11, 10, true)).hasMessageContaining("11");
    }

    @Test
    void warmupThenCosine() {
        LearningRateSchedule lr = LearningRateSchedule.warmupCosine(1e-3, 10, 110);
        assertThat(lr.rate(0)).isCloseTo(1e-4f, within(1e-9f));
        assertThat(lr.rate(9)).isCloseTo(1e-3f, within(1e-9f));
        assertThat(lr.rate(10)).isCloseTo(1e-3f, within(1e-9f));
        assertThat(lr.rate(60)).isCloseTo(5e-4f, within(1e-8f));
        assertThat(lr.rate(110)).isCloseTo(0f, within(1e-9f));
        assertThat(LearningRateSchedule.warmup(1e-3, 10, 110, false).rate(100)).isEqualTo(1e-3f);
        assertThat(LearningRateSchedule.constant(2e-4).rate(12345)).isEqualTo(2e-4f);
    }

    @Test
    void linearDecayFallsToZeroAtTheLastStepAndExcludesCosine() {
        LearningRateSchedule lr = LearningRateSchedule.warmupLinear(1e-3, 0, 100);
        assertThat(lr.rate(0)).isCloseTo(1e-3f, within(1e-9f));
        assertThat(lr.rate(50)).isCloseTo(5e-4f, within(1e-9f));
        assertThat(lr.rate(99)).isCloseTo(1e-5f, within(1e-9f));
        assertThat(lr.rate(100)).isEqualTo(0f);
        LearningRateSchedule warm = LearningRateSchedule.warmupLinear(1e-3, 10, 110);
        assertThat(warm.rate(4)).isCloseTo(5e-4f, within(1e-9f));
        assertThat(warm.rate(60)).isCloseTo(5e-4f, within(1e-9f));
        assertThat(TrainingOptions.builder().linearDecay(true).build().linearDecay()).isTrue();
        assertThatThrownBy(() -> TrainingOptions.builder().linearDecay(true).cosine(true).build())
                .hasMessageContaining("cosine and linearDecay");
    }
}
