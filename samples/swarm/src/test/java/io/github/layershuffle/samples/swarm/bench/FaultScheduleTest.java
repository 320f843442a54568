package io.github.layershuffle.samples.swarm.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FaultScheduleTest {

    @Test
    void isTheSameForTheSameSeedAndDiffersForAnother() {
        FaultSchedule a = FaultSchedule.generate(7, 4, 500, 20, 30, 1);
        assertThat(FaultSchedule.generate(7, 4, 500, 20, 30, 1)).isEqualTo(a);
        assertThat(FaultSchedule.generate(8, 4, 500, 20, 30, 1).events()).isNotEqualTo(a.events());
        assertThat(a.kills()).isBetween(10L, 50L);
    }

    @Test
    void killsOnlyServersThatAreUpAndNeverGoesBelowTheMinimum() {
        for (long seed = 0; seed < 50; seed++) {
            FaultSchedule s = FaultSchedule.generate(seed, 3, 400, 5, 40, 2);
            boolean[] up = {true, true, true};
            int upCount = 3;
            int last = 0;
            for (FaultSchedule.Event e : s.events()) {
                assertThat(e.atRequest()).isGreaterThanOrEqualTo(last).isLessThan(400);
                last = e.atRequest();
                if (e.action() == FaultSchedule.Action.KILL) {
                    assertThat(up[e.server()]).as("%s kills a server that is up", e).isTrue();
                    up[e.server()] = false;
                    upCount--;
                    assertThat(upCount).isGreaterThanOrEqualTo(2);
                } else {
                    assertThat(up[e.server()]).as("%s restarts a server that is down", e).isFalse();
                    up[e.server()] = true;
                    upCount++;
                }
            }
        }
    }

    @Test
    void refusesCountsOutOfRange() {
        assertThatThrownBy(() -> FaultSchedule.generate(1, 2, 10, 0, 5, 1)).hasMessageContaining("meanGap=0");
        assertThatThrownBy(() -> FaultSchedule.generate(1, 2, 10, 3, 5, 3)).hasMessageContaining("minUp=3");
        assertThat(FaultSchedule.none(3).events()).isEmpty();
    }
}
