package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.api.ExecutionPolicy;
import java.util.List;

/**
 * The execution policy named on a command line (anything {@link ExecutionPolicy#parse(String)} reads:
 * {@code sequential}, {@code reversed}, {@code random}, {@code random:SEED}, {@code fixed:3,0,2}, ...), then the blocks to leave out ({@code --skip 3,7}) and the number to
 * keep ({@code --keep 6}), applied in that order so that the kept blocks are all available.
 */
final class PolicySpec {

    private PolicySpec() {
    }

    /**
     * The policy {@code spec}, without {@code skip}, keeping {@code keep} blocks (0: all).
     *
     * @throws IllegalArgumentException naming the part of the spec that does not parse, listing the valid forms
     */
    static ExecutionPolicy parse(String spec, int keep, List<Integer> skip) {
        ExecutionPolicy policy = ExecutionPolicy.parse(spec);
        if (skip != null && !skip.isEmpty()) {
            policy = policy.without(skip.stream().mapToInt(Integer::intValue).toArray());
        }
        if (keep < 0) {
            throw new IllegalArgumentException("--keep must be at least 1 (or 0 for all blocks), was " + keep);
        }
        return keep > 0 ? policy.keep(keep) : policy;
    }
}
