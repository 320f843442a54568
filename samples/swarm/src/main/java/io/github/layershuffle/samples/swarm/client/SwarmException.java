package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.LayerShuffleException;
import java.util.List;

/**
 * A swarm request that did not produce logits. The message says why and which hop failed; {@link #hops()} holds
 * every hop tried before, so a failed request is as reportable as a successful one.
 */
public final class SwarmException extends LayerShuffleException {
    private static final long serialVersionUID = 1L;

    /** Why a request failed. */
    public enum Reason {
        /** The request's deadline passed. */
        DEADLINE_EXCEEDED,
        /** No server that hosts a needed part was up, or all that were tried failed. */
        NO_SERVER,
        /** A hop failed and the fault mode does not allow going on ({@link FaultMode#FAIL}). */
        HOP_FAILED,
        /** Fewer blocks ran than the client requires. */
        TOO_FEW_BLOCKS,
        /** Servers returned different outputs for a hop that could not be left out, and no majority agreed. */
        OUTPUTS_DISAGREE
    }

    private final Reason reason;
    private final transient ExecutionPlan planned;
    private final transient List<Hop> hops;
    private final transient List<Mismatch> mismatches;

    SwarmException(Reason reason, String message, ExecutionPlan planned, List<Hop> hops, List<Mismatch> mismatches) {
        super(reason + ": " + message);
        this.reason = reason;
        this.planned = planned;
        this.hops = List.copyOf(hops);
        this.mismatches = List.copyOf(mismatches);
    }

    /** The mismatches {@link Verify} found before the failure. */
    public List<Mismatch> mismatches() {
        return mismatches == null ? List.of() : mismatches;
    }

    /** Why the request failed. */
    public Reason reason() {
        return reason;
    }

    /** The plan the policy drew, or {@code null} if the request failed before it had one. */
    public ExecutionPlan planned() {
        return planned;
    }

    /** The hops tried before the failure, in order. */
    public List<Hop> hops() {
        return hops == null ? List.of() : hops;
    }
}
