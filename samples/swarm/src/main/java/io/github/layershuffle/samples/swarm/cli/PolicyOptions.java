package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.samples.swarm.client.Routing;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --policy}, {@code --keep} and {@code --skip} options. */
final class PolicyOptions {

    @Option(names = "--policy", defaultValue = "sequential",
            description = "sequential, reversed, random, random:SEED, fixed:I,J,... or any ExecutionPolicy text such as random(7).drop(0.1); or adaptive: each slot takes the block whose server is expected to answer soonest (LayerShuffle models; others keep their order, with the fastest server per block). Default: ${DEFAULT-VALUE}.")
    String policy;

    @Option(names = "--keep", defaultValue = "0",
            description = "Run only this many blocks of the plan (0: all). Default: ${DEFAULT-VALUE}.")
    int keep;

    @Option(names = "--skip", split = ",", paramLabel = "BLOCK",
            description = "Blocks to leave out, e.g. 3,7 (applied before --keep).")
    List<Integer> skip;

    /** A fresh policy of these options (a seeded one restarts its stream); {@code adaptive} plans sequentially. */
    ExecutionPolicy policy() {
        return PolicySpec.parse(adaptive() ? "sequential" : policy, keep, skip);
    }

    /** {@link Routing#ADAPTIVE} for {@code --policy adaptive}, else {@link Routing#PLAN}. */
    Routing routing() {
        return adaptive() ? Routing.ADAPTIVE : Routing.PLAN;
    }

    private boolean adaptive() {
        return policy.strip().equalsIgnoreCase("adaptive");
    }

    /** e.g. {@code random:7 keep 6 skip [3, 7]}. */
    String describe() {
        return policy + (keep > 0 ? " keep " + keep : "") + (skip == null || skip.isEmpty() ? "" : " skip " + skip);
    }
}
