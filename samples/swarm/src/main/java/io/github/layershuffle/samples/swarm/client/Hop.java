package io.github.layershuffle.samples.swarm.client;

import java.util.Locale;

/**
 * One step of a swarm request: an attempt to run the stem, a block or the head on a server, or a block left out.
 *
 * @param stage   which part of the model
 * @param block   the block index for {@link Stage#BLOCK}, else -1
 * @param slot    the slot the block ran (or was tried) in, -1 for the stem, the head and skipped blocks
 * @param server  the server's name, or {@code "-"} for a skipped block
 * @param outcome what happened
 * @param detail  why it failed or was skipped; empty when it ran
 * @param micros  how long the call took, in microseconds (0 when skipped)
 */
public record Hop(Stage stage, int block, int slot, String server, Outcome outcome, String detail, long micros) {
    /** The detail of an OK hop that {@link Verify} wanted checked but no other server could run. */
    public static final String UNVERIFIED = "unverified: no other server could run it";
    /** The server name of a hop the client recomputed in process ({@code SwarmClientBuilder.optLocalExport}). */
    public static final String IN_PROCESS = "in-process";
    /** How the detail of a FAILED hop starts when its servers disagreed and no majority formed. */
    public static final String NO_MAJORITY = "no majority: ";

    /** The parts of a model a request runs. */
    public enum Stage {
        /** pixels to tokens */
        STEM,
        /** one transformer block */
        BLOCK,
        /** tokens to logits */
        HEAD
    }

    /** What became of one hop. */
    public enum Outcome {
        /** The server answered with a tensor that passed the checks. */
        OK,
        /** The call failed, timed out, or returned a tensor of the wrong shape; the server was banned. */
        FAILED,
        /** The block was left out. */
        SKIPPED,
        /** A second opinion asked by {@link Verify}: it agreed with the output used. */
        CHECKED,
        /**
         * The server's output was outvoted by a majority of others, or differed from the client's own recompute
         * ({@link Verify}); the server was banned.
         */
        LIED,
        /**
         * The client recomputed the hop in process to check the servers, and a server's output that agreed was
         * used; when none agreed, the recompute's output is used and its hop is {@link #OK} on {@link #IN_PROCESS}.
         */
        RECOMPUTED
    }

    /** The part, e.g. {@code stem}, {@code 3}, {@code head}. */
    public String part() {
        return stage == Stage.BLOCK ? String.valueOf(block) : stage.name().toLowerCase(Locale.ROOT);
    }

    /** e.g. {@code 3@127.0.0.1:50051}, {@code 3@127.0.0.1:50051 FAILED (DEADLINE_EXCEEDED ...)}, {@code 3 SKIPPED}. */
    @Override
    public String toString() {
        return switch (outcome) {
            case OK -> part() + "@" + server;
            case FAILED -> part() + "@" + server + " FAILED (" + detail + ")";
            case SKIPPED -> part() + " SKIPPED (" + detail + ")";
            case CHECKED -> part() + "@" + server + " CHECKED";
            case LIED -> part() + "@" + server + " LIED (" + detail + ")";
            case RECOMPUTED -> part() + "@" + server + " RECOMPUTED";
        };
    }
}
