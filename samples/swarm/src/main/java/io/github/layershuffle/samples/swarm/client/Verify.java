package io.github.layershuffle.samples.swarm.client;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How a client checks that servers do not lie about a hop's output.
 *
 * <ul>
 *   <li>{@code none}: trust every server;</li>
 *   <li>{@code spot:P}: with probability P, a hop's output is recomputed on another server that hosts the same part
 *       (in process, when the client holds the export: {@link SwarmClientBuilder#optLocalExport}) and the two are
 *       compared; when two servers differ, more servers are asked until a majority agrees;</li>
 *   <li>{@code replicate:K}: every hop runs on K servers (as many as host the part and are up, if fewer), and the
 *       majority wins; a split is recomputed in process when the client holds the export, else further servers
 *       are asked; a hop only one server could run is recomputed in process, else reported unverified.</li>
 * </ul>
 *
 * <p>Outputs agree when their largest absolute difference is at most {@code tolerance * max(1, max |x|)} of the
 * first output (of the in-process recompute, which is trusted over any server). A server outvoted by a majority is banned (an hour by default, {@code optLiarBan}) and the
 * mismatch is reported in the result
 * ({@link SwarmResult#mismatches()}); when no majority forms, the hop counts as failed.
 *
 * @param kind        none, spot or replicate
 * @param probability for {@code spot}, in (0, 1]; else 0
 * @param replicas    for {@code replicate}, in [2, 16]; else 1
 */
public record Verify(Kind kind, double probability, int replicas) {

    /** The modes. */
    public enum Kind {
        /** No checks. */
        NONE,
        /** Recompute some hops elsewhere. */
        SPOT,
        /** Run every hop on several servers. */
        REPLICATE
    }

    /**
     * Checks.
     *
     * @throws IllegalArgumentException if the probability or the replica count is out of range for the kind
     */
    public Verify {
        if (kind == Kind.SPOT && !(probability > 0 && probability <= 1)) {
            throw new IllegalArgumentException("spot:P needs P in (0, 1], was " + probability);
        }
        if (kind == Kind.REPLICATE && (replicas < 2 || replicas > 16)) {
            throw new IllegalArgumentException("replicate:K needs K in [2, 16], was " + replicas);
        }
        if (kind == Kind.NONE && (probability != 0 || replicas != 1)
                || kind == Kind.SPOT && replicas != 1 || kind == Kind.REPLICATE && probability != 0) {
            throw new IllegalArgumentException("verify " + kind + " takes no "
                    + (kind == Kind.SPOT ? "replica count" : "probability or replica count"));
        }
    }

    /** No checks. */
    public static Verify none() {
        return new Verify(Kind.NONE, 0, 1);
    }

    /**
     * Spot checks of a share {@code p} of the hops.
     *
     * @throws IllegalArgumentException if p is not in (0, 1]
     */
    public static Verify spot(double p) {
        return new Verify(Kind.SPOT, p, 1);
    }

    /**
     * Every hop on {@code k} servers, majority wins.
     *
     * @throws IllegalArgumentException if k is not in [2, 16]
     */
    public static Verify replicate(int k) {
        return new Verify(Kind.REPLICATE, 0, k);
    }

    /**
     * Parses {@code none}, {@code spot:P} or {@code replicate:K}.
     *
     * @throws IllegalArgumentException naming the text and the valid forms
     */
    public static Verify parse(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.equals("none")) {
                return none();
            }
            if (t.startsWith("spot:")) {
                return spot(Double.parseDouble(t.substring(5)));
            }
            if (t.startsWith("replicate:")) {
                return replicate(Integer.parseInt(t.substring(10)));
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("verify '" + text + "': " + e.getMessage()
                    + "; valid: none, spot:P (0 < P <= 1), replicate:K (2 <= K <= 16)", e);
        }
        throw new IllegalArgumentException("verify '" + text + "' is not one of none, spot:P (0 < P <= 1), "
                + "replicate:K (2 <= K <= 16)");
    }

    /** How many more servers should run a hop besides the first: K-1, 1 with probability P, or 0. */
    int extraCalls(SplittableRandom rng) {
        return switch (kind) {
            case NONE -> 0;
            case SPOT -> rng.nextDouble() < probability ? 1 : 0;
            case REPLICATE -> replicas - 1;
        };
    }

    /** {@code none}, {@code spot:0.1}, {@code replicate:2}. */
    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "none";
            case SPOT -> "spot:" + probability;
            case REPLICATE -> "replicate:" + replicas;
        };
    }
}
