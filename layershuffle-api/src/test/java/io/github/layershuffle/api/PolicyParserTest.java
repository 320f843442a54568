package io.github.layershuffle.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PolicyParserTest {

    /** What toString writes, parse reads back as a policy that plans the same. */
    @ParameterizedTest
    @ValueSource(strings = {"sequential()", "reversed()", "random(42)", "random(42).keep(6)",
        "sequential().seeded(7).drop(0.2)", "fixed(3, 0, 2)", "random(1).without(4, 5).drop(0.5).keep(3)",
        "reversed().keep(2)"})
    void toStringRoundTrips(String text) {
        ExecutionPolicy policy = ExecutionPolicy.parse(text);
        assertThat(policy).hasToString(text);
        ExecutionPolicy again = ExecutionPolicy.parse(policy.toString());
        for (int pass = 0; pass < 20; pass++) {
            assertThat(again.planForPass(12, pass)).isEqualTo(policy.planForPass(12, pass));
        }
    }

    @Test
    void seededChainsRoundTripThroughText() {
        ExecutionPolicy original = ExecutionPolicy.sequential().drop(0.3).seeded(9);
        ExecutionPolicy parsed = ExecutionPolicy.parse(original.toString());
        for (int pass = 0; pass < 50; pass++) {
            assertThat(parsed.plan(12)).isEqualTo(original.plan(12));
        }
    }

    @Test
    void acceptsCommandLineShortForms() {
        assertThat(ExecutionPolicy.parse("fixed:3,0,2").plan(4).blocks()).containsExactly(3, 0, 2);
        assertThat(ExecutionPolicy.parse("random:5").plan(12)).isEqualTo(ExecutionPolicy.random(5).plan(12));
        assertThat(ExecutionPolicy.parse("Sequential.keep(2)").plan(5).blocks()).containsExactly(0, 1);
        assertThat(ExecutionPolicy.parse(" shuffled ").plan(6).size()).isEqualTo(6);
    }

    @Test
    void errorsNameTheTextPositionAndGrammar() {
        assertThatThrownBy(() -> ExecutionPolicy.parse("randm"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown policy 'randm'")
                .hasMessageContaining("sequential | reversed");
        assertThatThrownBy(() -> ExecutionPolicy.parse("random.keep(x)")).hasMessageContaining("'x'");
        assertThatThrownBy(() -> ExecutionPolicy.parse("random.kep(3)")).hasMessageContaining("unknown modifier 'kep'");
        assertThatThrownBy(() -> ExecutionPolicy.parse("fixed(1,1)")).hasMessageContaining("block 1 appears twice");
        assertThatThrownBy(() -> ExecutionPolicy.parse("random.drop(2)")).hasMessageContaining("[0, 1)");
        assertThatThrownBy(() -> ExecutionPolicy.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> ExecutionPolicy.parse("random(1")).hasMessageContaining("missing ')'");
        assertThatThrownBy(() -> ExecutionPolicy.parse("sequential x")).hasMessageContaining("position");
    }
}
