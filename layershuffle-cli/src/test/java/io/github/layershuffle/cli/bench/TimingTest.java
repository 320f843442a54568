package io.github.layershuffle.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The statistics the benchmarks report; no timing is asserted. */
class TimingTest {

    @Test
    void quantilesInterpolateBetweenOrderStatistics() {
        double[] v = {4, 1, 3, 2};
        assertThat(Timing.quantile(v, 0)).isEqualTo(1);
        assertThat(Timing.quantile(v, 1)).isEqualTo(4);
        assertThat(Timing.quantile(v, 0.5)).isEqualTo(2.5);
        assertThat(Timing.quantile(v, 0.25)).isCloseTo(1.75, within(1e-12));
        assertThat(v).containsExactly(4, 1, 3, 2);
        assertThat(Timing.quantile(new double[] {7}, 0.75)).isEqualTo(7);
        assertThatThrownBy(() -> Timing.quantile(new double[0], 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Timing.quantile(v, 1.5)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void excessIsTakenRoundByRound() {
        // round 2 is slow for both: a ratio per round ignores it, a ratio of medians would not
        Timing.Paired p = new Timing.Paired(new double[] {1.1, 2.2, 1.05}, new double[] {1.0, 2.0, 1.0});
        assertThat(p.excessOfA(0.5)).isCloseTo(0.1, within(1e-12));
        assertThat(p.excessOfA(0)).isCloseTo(0.05, within(1e-12));
        assertThat(p.medianA()).isEqualTo(1.1);
        assertThat(p.medianB()).isEqualTo(1.0);
        assertThatThrownBy(() -> new Timing.Paired(new double[] {1}, new double[] {1, 2}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void interleavedRunsBothInAlternatingOrder() {
        StringBuilder order = new StringBuilder();
        AtomicInteger a = new AtomicInteger();
        AtomicInteger b = new AtomicInteger();
        Timing.Paired p = Timing.interleaved(() -> {
            a.incrementAndGet();
            order.append('a');
        }, () -> {
            b.incrementAndGet();
            order.append('b');
        }, 0, 4, 2);
        assertThat(p.a()).hasSize(4);
        assertThat(order.toString()).endsWith("aabbbbaaaabbbbaa");
        assertThat(a.get()).isEqualTo(b.get());
    }
}
