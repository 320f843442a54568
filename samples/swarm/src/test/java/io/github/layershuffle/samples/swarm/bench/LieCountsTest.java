package io.github.layershuffle.samples.swarm.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.samples.swarm.client.Hop;
import io.github.layershuffle.samples.swarm.client.Hop.Outcome;
import io.github.layershuffle.samples.swarm.client.Hop.Stage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the bench sorts the hops of a lying server. */
class LieCountsTest {

    private static Hop block(int block, int slot, String server, Outcome outcome, String detail) {
        return new Hop(Stage.BLOCK, block, slot, server, outcome, detail, 10);
    }

    @Test
    void everyHopOfTheLiarIsSortedByWhatTheClientMadeOfIt() {
        List<Hop> hops = List.of(
                new Hop(Stage.STEM, -1, -1, "liar", Outcome.OK, "", 5),                  // the stem: no lie
                block(0, 0, "liar", Outcome.LIED, "differed"),                           // caught
                block(0, 0, "a", Outcome.OK, ""),
                block(1, 1, "liar", Outcome.FAILED, Hop.NO_MAJORITY + "split"),          // flagged
                block(1, 1, "a", Outcome.FAILED, Hop.NO_MAJORITY + "split"),
                block(2, 1, "liar", Outcome.FAILED, "UNAVAILABLE"),                      // no answer: no lie
                block(2, 1, "liar", Outcome.OK, Hop.UNVERIFIED),                         // alone
                block(3, 2, "liar", Outcome.OK, ""),                                     // agreed with a check
                block(3, 2, "b", Outcome.CHECKED, ""),
                block(4, 3, "a", Outcome.OK, ""),
                block(4, 3, "liar", Outcome.CHECKED, ""),                                // agreed as the check
                block(5, 4, "liar", Outcome.OK, ""),                                     // never checked
                block(6, 5, "b", Outcome.OK, ""));
        LieCounts c = BenchOutcomes.classify(hops, "liar");
        assertThat(c).isEqualTo(new LieCounts(0, 1, 1, 2, 1, 1));
        assertThat(c.delivered()).isEqualTo(6);
        assertThat(c.verifiable()).isEqualTo(4);
        assertThat(c.detectionRate()).isEqualTo(0.5);
        assertThat(c.missed()).isEqualTo(4);
        assertThat(BenchOutcomes.classify(hops, "nobody")).isEqualTo(LieCounts.NONE);
        assertThat(LieCounts.NONE.detectionRate()).isNaN();
    }
}
