package io.github.layershuffle.samples.swarm.client;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Which outputs of one hop agree within a tolerance, and which group, if any, is a strict majority. */
final class Agreement {

    private Agreement() {
    }

    /**
     * Groups {@code items} in order: each joins the first group whose first member it agrees with, else starts one.
     * Two outputs agree when {@code max |a - b| <= tolerance * max(1, max |a|)}, {@code a} the group's first.
     */
    static <T> List<List<T>> groups(List<T> items, Function<T, FloatBuffer> values, double tolerance) {
        List<List<T>> groups = new ArrayList<>();
        for (T item : items) {
            List<T> home = null;
            for (List<T> g : groups) {
                FloatBuffer ref = values.apply(g.get(0));
                if (agree(ref, values.apply(item), tolerance)) {
                    home = g;
                    break;
                }
            }
            if (home == null) {
                home = new ArrayList<>();
                groups.add(home);
            }
            home.add(item);
        }
        return groups;
    }

    /** Whether {@code x} agrees with {@code ref}: {@code max |ref - x| <= tolerance * max(1, max |ref|)}. */
    static boolean agree(FloatBuffer ref, FloatBuffer x, double tolerance) {
        return maxDifference(ref, x) <= tolerance * Math.max(1, maxAbs(ref));
    }

    /** The group holding more than half of {@code total} items, or {@code null}. */
    static <T> List<T> majority(List<List<T>> groups, int total) {
        for (List<T> g : groups) {
            if (2 * g.size() > total) {
                return g;
            }
        }
        return null;
    }

    /** {@code max |a_i - b_i|}; infinite if the sizes differ. */
    static double maxDifference(FloatBuffer a, FloatBuffer b) {
        if (a.remaining() != b.remaining()) {
            return Double.POSITIVE_INFINITY;
        }
        double max = 0;
        for (int i = 0, n = a.remaining(); i < n; i++) {
            max = Math.max(max, Math.abs((double) a.get(a.position() + i) - b.get(b.position() + i)));
        }
        return max;
    }

    static double maxAbs(FloatBuffer a) {
        double max = 0;
        for (int i = 0, n = a.remaining(); i < n; i++) {
            max = Math.max(max, Math.abs(a.get(a.position() + i)));
        }
        return max;
    }
}
