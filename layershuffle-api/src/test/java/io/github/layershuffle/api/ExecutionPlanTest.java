package io.github.layershuffle.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ExecutionPlanTest {

    @Test
    void rejectsEmptyRepeatedAndOutOfRangeBlocks() {
        assertThatThrownBy(() -> new ExecutionPlan(3, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one block");
        assertThatThrownBy(() -> ExecutionPlan.of(3, 1, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block 1 appears twice");
        assertThatThrownBy(() -> ExecutionPlan.of(3, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("block 3").hasMessageContaining("[0, 3)");
    }

    @Test
    void toStringParsesBack() {
        ExecutionPlan plan = ExecutionPlan.of(12, 3, 11, 0);
        assertThat(ExecutionPlan.parse(plan.toString(), 12)).isEqualTo(plan);
        assertThat(ExecutionPlan.parse("3, 11,0", 12)).isEqualTo(plan);
        assertThatThrownBy(() -> ExecutionPlan.parse("1,x", 12)).hasMessageContaining("'x'");
    }

    @Test
    void slotLookups() {
        ExecutionPlan plan = ExecutionPlan.of(5, 4, 2);
        assertThat(plan.block(1)).isEqualTo(2);
        assertThat(plan.slotOf(4)).isZero();
        assertThat(plan.slotOf(3)).isEqualTo(-1);
        assertThat(plan.toArray()).containsExactly(4, 2);
        assertThat(ExecutionPlan.sequential(3).isSequential()).isTrue();
    }

    @Test
    void blocksCannotBeModified() {
        ExecutionPlan plan = ExecutionPlan.of(3, 0, 1);
        assertThatThrownBy(() -> plan.blocks().add(2)).isInstanceOf(UnsupportedOperationException.class);
    }
}
