package io.github.layershuffle.samples.embed;

import io.github.layershuffle.api.ExecutionPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The execution policy named by the flags {@code --policy NAME}, {@code --skip I,J} and {@code --keep K}.
 * {@code NAME} is {@code sequential}, {@code reversed}, {@code random}, {@code random:SEED} or
 * {@code fixed:3,0,2}; {@code --skip} is applied before {@code --keep}, so that the blocks kept are all available.
 */
public final class PolicyFlags {

    private PolicyFlags() {
    }

    /**
     * The policy these flags describe.
     *
     * @param name the {@code --policy} value
     * @param keep the {@code --keep} value, or 0 to run every block of the plan
     * @param skip the {@code --skip} value, a comma list of block indices, or {@code null}
     * @throws IllegalArgumentException naming the flag and value that do not parse, listing the valid forms
     */
    public static ExecutionPolicy parse(String name, int keep, String skip) {
        String s = name.strip().toLowerCase(Locale.ROOT);
        int colon = s.indexOf(':');
        String kind = colon < 0 ? s : s.substring(0, colon);
        String arg = colon < 0 ? null : s.substring(colon + 1).strip();
        ExecutionPolicy policy = switch (kind) {
            case "sequential" -> none(ExecutionPolicy.sequential(), arg, name);
            case "reversed" -> none(ExecutionPolicy.reversed(), arg, name);
            case "random" -> arg == null ? ExecutionPolicy.random() : ExecutionPolicy.random(seed(arg, name));
            case "fixed" -> ExecutionPolicy.fixed(indices(arg, "--policy " + name));
            default -> throw new IllegalArgumentException("--policy " + name + ": unknown policy, expected "
                    + "sequential, reversed, random, random:SEED or fixed:I,J,...");
        };
        if (skip != null && !skip.isBlank()) {
            policy = policy.without(indices(skip, "--skip " + skip));
        }
        if (keep < 0) {
            throw new IllegalArgumentException("--keep must be at least 1 (or 0 for every block), was " + keep);
        }
        return keep > 0 ? policy.keep(keep) : policy;
    }

    private static ExecutionPolicy none(ExecutionPolicy p, String arg, String name) {
        if (arg != null) {
            throw new IllegalArgumentException("--policy " + name + ": this policy takes no argument");
        }
        return p;
    }

    private static long seed(String arg, String name) {
        try {
            return Long.parseLong(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--policy " + name + ": seed '" + arg + "' is not a whole number", e);
        }
    }

    private static int[] indices(String list, String flag) {
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException(flag + ": needs block indices, e.g. 3,0,2");
        }
        List<Integer> out = new ArrayList<>();
        for (String t : list.split(",")) {
            try {
                out.add(Integer.parseInt(t.strip()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": '" + t.strip() + "' is not a block index", e);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
