package io.github.layershuffle.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlockSequenceTest {

    /** Block i appends "i@slot", so the trace shows which block ran in which slot. */
    private static BlockSequence<String> tracing(int n) {
        List<Block<String>> blocks = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int id = i;
            blocks.add((x, slot) -> x + id + "@" + slot + " ");
        }
        return BlockSequence.of(blocks);
    }

    @Test
    void runsBlocksInPlanOrderAndTellsEachItsSlot() {
        BlockSequence<String> seq = tracing(4);
        assertThat(seq.run("", ExecutionPlan.of(4, 2, 0, 3))).isEqualTo("2@0 0@1 3@2 ");
        assertThat(seq.run("", ExecutionPolicy.reversed())).isEqualTo("3@0 2@1 1@2 0@3 ");
    }

    @Test
    void refusesAPlanForAnotherSize() {
        assertThatThrownBy(() -> tracing(4).run("", ExecutionPlan.sequential(5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("5 blocks").hasMessageContaining("4");
    }

    @Test
    void buildsAMergedSequenceWithRepeats() {
        BlockSequence<String> a = tracing(3);
        BlockSequence<String> b = BlockSequence.of(List.<Block<String>>of((x, s) -> x + "B@" + s + " "));
        BlockSequence<String> merged = BlockSequence.<String>builder().add(a, 2).add(b, 0).add(a, 2).build();
        assertThat(merged.size()).isEqualTo(3);
        assertThat(merged.run("", ExecutionPolicy.sequential())).isEqualTo("2@0 B@1 2@2 ");
    }

    @Test
    void mergeChecksFamilyWidthAndVariant() {
        ModelConfig config = ModelConfig.builder().variant(Variant.LAYERSHUFFLE).build();
        BlockSequence<String> a = BlockSequence.of(new ModelIdentity("fam", config), List.of((x, s) -> x));
        BlockSequence<String> sameFamily = BlockSequence.of(new ModelIdentity("fam", config), List.of((x, s) -> x));
        BlockSequence<String> otherFamily = BlockSequence.of(new ModelIdentity("other", config), List.of((x, s) -> x));
        BlockSequence<String> wider = BlockSequence.of(
                new ModelIdentity("fam", config.toBuilder().width(128).build()), List.of((x, s) -> x));
        BlockSequence<String> otherVariant = BlockSequence.of(
                new ModelIdentity("fam", config.withVariant(Variant.BASELINE)), List.of((x, s) -> x));
        BlockSequence<String> moreTokens = BlockSequence.of(
                new ModelIdentity("fam", config.toBuilder().patchSize(7).build()), List.of((x, s) -> x));

        assertThat(BlockSequence.<String>builder().add(a, 0).add(sameFamily, 0).build().size()).isEqualTo(2);
        assertThatThrownBy(() -> BlockSequence.<String>builder().add(a, 0).add(otherFamily, 0).build())
                .isInstanceOf(IncompatibleBlocksException.class).hasMessageContaining("family 'other'")
                .hasMessageContaining("slot 1");
        assertThatThrownBy(() -> BlockSequence.<String>builder().add(a, 0).add(wider, 0).build())
                .isInstanceOf(IncompatibleBlocksException.class).hasMessageContaining("width 128").hasMessageContaining("64");
        assertThatThrownBy(() -> BlockSequence.<String>builder().add(a, 0).add(otherVariant, 0).build())
                .isInstanceOf(IncompatibleBlocksException.class).hasMessageContaining("variant");
        assertThatThrownBy(() -> BlockSequence.<String>builder().add(a, 0).add(moreTokens, 0).build())
                .isInstanceOf(IncompatibleBlocksException.class).hasMessageContaining("token count 17").hasMessageContaining("50");
    }

    @Test
    void builderRejectsBadIndicesAndEmptySequences() {
        assertThatThrownBy(() -> BlockSequence.<String>builder().add(tracing(2), 2))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("block 2");
        assertThatThrownBy(() -> BlockSequence.<String>builder().build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
