package io.github.layershuffle.samples.embed;

import io.github.layershuffle.api.ExecutionPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * The execution policy named by the flags {@code --policy NAME}, {@code --skip I,J} and {@code --keep K}.
 * {@code NAME} is anything {@link ExecutionPolicy#parse(String)} reads: {@code sequential}, {@code reversed},
 * {@code random}, {@code random:SEED}, {@code fixed:3,0,2}, or a full form such as {@code random(7).drop(0.1)};
 * {@code --skip} is applied before {@code --keep}, so that the blocks kept are all available.
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
        ExecutionPolicy policy;
        try {
            policy = ExecutionPolicy.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--policy " + name + ": " + e.getMessage(), e);
        }
        if (skip != null && !skip.isBlank()) {
            policy = policy.without(indices(skip, "--skip " + skip));
        }
        if (keep < 0) {
            throw new IllegalArgumentException("--keep must be at least 1 (or 0 for every block), was " + keep);
        }
        return keep > 0 ? policy.keep(keep) : policy;
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
