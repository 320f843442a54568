package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.api.ExecutionPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The execution policy named on a command line: {@code sequential}, {@code reversed}, {@code random},
 * {@code random:SEED} or {@code fixed:3,0,2}, then the blocks to leave out ({@code --skip 3,7}) and the number to
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
        String s = spec.strip().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String name = colon < 0 ? s : s.substring(0, colon);
        String arg = colon < 0 ? null : s.substring(colon + 1).strip();
        ExecutionPolicy policy = switch (name) {
            case "sequential" -> noArgument(ExecutionPolicy.sequential(), arg, spec);
            case "reversed" -> noArgument(ExecutionPolicy.reversed(), arg, spec);
            case "random" -> arg == null ? ExecutionPolicy.random() : ExecutionPolicy.random(number(arg, spec));
            case "fixed" -> ExecutionPolicy.fixed(indices(arg, spec));
            default -> throw new IllegalArgumentException("unknown policy '" + spec + "', expected one of sequential, "
                    + "reversed, random, random:SEED, fixed:I,J,...");
        };
        if (skip != null && !skip.isEmpty()) {
            policy = policy.without(skip.stream().mapToInt(Integer::intValue).toArray());
        }
        if (keep < 0) {
            throw new IllegalArgumentException("--keep must be at least 1 (or 0 for all blocks), was " + keep);
        }
        return keep > 0 ? policy.keep(keep) : policy;
    }

    private static ExecutionPolicy noArgument(ExecutionPolicy p, String arg, String spec) {
        if (arg != null) {
            throw new IllegalArgumentException("policy '" + spec + "' takes no argument");
        }
        return p;
    }

    private static long number(String arg, String spec) {
        try {
            return Long.parseLong(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("policy '" + spec + "': seed '" + arg + "' is not a whole number", e);
        }
    }

    private static int[] indices(String arg, String spec) {
        if (arg == null || arg.isEmpty()) {
            throw new IllegalArgumentException("policy '" + spec + "' needs block indices, e.g. fixed:3,0,2");
        }
        List<Integer> list = new ArrayList<>();
        for (String t : arg.split(",")) {
            try {
                list.add(Integer.parseInt(t.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("policy '" + spec + "': '" + t.strip() + "' is not a block index",
                        e);
            }
        }
        return list.stream().mapToInt(Integer::intValue).toArray();
    }
}
