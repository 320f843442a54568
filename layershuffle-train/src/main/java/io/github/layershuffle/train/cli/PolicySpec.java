package io.github.layershuffle.train.cli;

import io.github.layershuffle.api.ExecutionPolicy;
import java.util.Arrays;
import java.util.Locale;

/**
 * An execution policy as the command line names it: {@code sequential}, {@code random}, {@code reversed} or
 * {@code fixed:3,0,2}.
 *
 * @param name   the text given, normalised
 * @param policy the policy
 * @param random whether its plans depend on the seed (and so are worth repeating over seeds)
 */
record PolicySpec(String name, ExecutionPolicy policy, boolean random) {
    static final String CHOICES = "sequential, random, reversed, fixed:I,J,K...";

    /**
     * Parses a policy name.
     *
     * @throws IllegalArgumentException naming the text and the valid choices
     */
    static PolicySpec parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        switch (t) {
            case "sequential":
                return new PolicySpec(t, ExecutionPolicy.sequential(), false);
            case "random":
            case "arbitrary":
            case "shuffled":
                return new PolicySpec("random", ExecutionPolicy.random(), true);
            case "reversed":
                return new PolicySpec(t, ExecutionPolicy.reversed(), false);
            default:
                break;
        }
        if (t.startsWith("fixed:") || t.startsWith("fixed=")) {
            String body = t.substring(6).replace("[", "").replace("]", "");
            try {
                int[] order = Arrays.stream(body.split(",")).map(String::strip).mapToInt(Integer::parseInt).toArray();
                return new PolicySpec("fixed:" + body.replace(" ", ""), ExecutionPolicy.fixed(order), false);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("policy '" + text + "': the block list must be integers "
                        + "separated by commas, e.g. fixed:3,0,2", e);
            }
        }
        throw new IllegalArgumentException("unknown policy '" + text + "', expected one of " + CHOICES);
    }

    /** This policy running only {@code k} blocks of its plan. */
    PolicySpec keep(int k) {
        return new PolicySpec(name + " keep " + k, policy.keep(k), random);
    }
}
