package io.github.layershuffle.samples.swarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.ExecutionPlan;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicySpecTest {

    @Test
    void buildsThePoliciesTheFlagsName() {
        assertThat(PolicySpec.parse("sequential", 0, null).plan(4)).isEqualTo(ExecutionPlan.sequential(4));
        assertThat(PolicySpec.parse("reversed", 0, List.of()).plan(3)).isEqualTo(ExecutionPlan.of(3, 2, 1, 0));
        assertThat(PolicySpec.parse("fixed:3,0,2", 0, null).plan(4)).isEqualTo(ExecutionPlan.of(4, 3, 0, 2));
        assertThat(PolicySpec.parse("random:9", 0, null).plan(8))
                .isEqualTo(PolicySpec.parse("random:9", 0, null).plan(8));
        assertThat(PolicySpec.parse("sequential", 2, List.of(0)).plan(4)).isEqualTo(ExecutionPlan.of(4, 1, 2));
        ExecutionPlan p = PolicySpec.parse("random:1", 3, List.of(1, 2)).plan(6);
        assertThat(p.size()).isEqualTo(3);
        assertThat(p.blocks()).doesNotContain(1, 2);
    }

    @Test
    void namesWhatDoesNotParse() {
        assertThatThrownBy(() -> PolicySpec.parse("shuffle", 0, null)).hasMessageContaining("unknown policy 'shuffle'")
                .hasMessageContaining("random:SEED");
        assertThatThrownBy(() -> PolicySpec.parse("random:x", 0, null)).hasMessageContaining("'x' is not an integer");
        assertThatThrownBy(() -> PolicySpec.parse("fixed:1,b", 0, null)).hasMessageContaining("'b' is not a block");
        assertThatThrownBy(() -> PolicySpec.parse("sequential:3", 0, null)).hasMessageContaining("takes no argument");
        assertThatThrownBy(() -> PolicySpec.parse("sequential", -1, null)).hasMessageContaining("--keep");
    }
}
