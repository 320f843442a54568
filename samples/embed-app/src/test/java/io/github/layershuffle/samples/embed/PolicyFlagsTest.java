package io.github.layershuffle.samples.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.ExecutionPlan;
import org.junit.jupiter.api.Test;

class PolicyFlagsTest {

    @Test
    void combinesPolicySkipAndKeep() {
        assertThat(PolicyFlags.parse("sequential", 0, null).plan(4)).isEqualTo(ExecutionPlan.sequential(4));
        assertThat(PolicyFlags.parse("reversed", 2, null).plan(4)).isEqualTo(ExecutionPlan.of(4, 3, 2));
        assertThat(PolicyFlags.parse("fixed:3,0,2", 0, null).plan(4)).isEqualTo(ExecutionPlan.of(4, 3, 0, 2));
        assertThat(PolicyFlags.parse("sequential", 3, "0,2").plan(6)).isEqualTo(ExecutionPlan.of(6, 1, 3, 4));
        ExecutionPlan p = PolicyFlags.parse("random", 6, "3,7").plan(12);
        assertThat(p.size()).isEqualTo(6);
        assertThat(p.blocks()).doesNotContain(3, 7);
        assertThat(PolicyFlags.parse("random:5", 0, null).plan(12))
                .isEqualTo(PolicyFlags.parse("random:5", 0, null).plan(12));
    }

    @Test
    void namesTheFlagAtFault() {
        assertThatThrownBy(() -> PolicyFlags.parse("sideways", 0, null))
                .hasMessageContaining("--policy sideways: ").hasMessageContaining("unknown policy 'sideways'");
        assertThatThrownBy(() -> PolicyFlags.parse("random", 0, "3,x")).hasMessageContaining("--skip 3,x: 'x'");
        assertThatThrownBy(() -> PolicyFlags.parse("fixed:", 0, null)).hasMessageContaining("list of block indices");
        assertThatThrownBy(() -> PolicyFlags.parse("fixed:0,0", 0, null)).hasMessageContaining("block 0 appears twice");
        assertThatThrownBy(() -> PolicyFlags.parse("sequential", 13, null).plan(12)).hasMessageContaining("13");
    }
}
