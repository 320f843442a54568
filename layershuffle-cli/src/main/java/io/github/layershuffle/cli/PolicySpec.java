package io.github.layershuffle.cli;

import io.github.layershuffle.api.ExecutionPolicy;

/**
 * An execution policy as the command line names it: {@code sequential}, {@code random}, {@code reversed} or
 * {@code fixed:3,0,2}.
 *
 * @param name   the text given, normalised
 * @param policy the policy
 * @param random whether its plans depend on the seed (and so are worth repeating over seeds)
 */
record PolicySpec(String name, ExecutionPolicy policy, boolean random) {
    static final String CHOICES = "sequential, random, reversed, fixed:I,J,K..., or a policy's text form such as "
            + "random(42).keep(6) (see ExecutionPolicy.parse)";

    /**
     * Parses a policy name.
     *
     * @throws IllegalArgumentException naming the text and the valid choices
     */
    static PolicySpec parse(String text) {
        ExecutionPolicy policy = ExecutionPolicy.parse(text);
        String name = policy.toString().replace("()", "");
        boolean random = name.contains("random") || name.contains("drop");
        return new PolicySpec(name, policy, random);
    }

    /** This policy running only {@code k} blocks of its plan. */
    PolicySpec keep(int k) {
        return new PolicySpec(name + " keep " + k, policy.keep(k), random);
    }
}
