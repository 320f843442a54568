package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.ExecutionPlan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * What one swarm request produced: the logits of its batch, the plan the policy drew, the plan that actually ran
 * (the planned blocks that ran, each in the slot it ran in: under adaptive routing in the order chosen, under a
 * budget only as many as fitted), the mismatches verification found, and every hop on the way, with the server
 * that ran it. Immutable; accessors return copies.
 *
 * <pre>{@code
 * SwarmResult r = client.classify(pixels, shape, ExecutionPolicy.random(7));
 * System.out.println(r.ran() + " " + r.route());   // [2, 0, 1] stem@a 2@b 0@a 1@c head@b
 * }</pre>
 */
public final class SwarmResult {
    private final float[][] logits;
    private final List<String> labels;
    private final ExecutionPlan planned;
    private final ExecutionPlan ran;
    private final List<Hop> hops;
    private final List<Mismatch> mismatches;
    private final boolean budgetStopped;
    private final double agreedMaxDifference;
    private final Duration elapsed;

    SwarmResult(float[][] logits, List<String> labels, ExecutionPlan planned, ExecutionPlan ran, List<Hop> hops,
                List<Mismatch> mismatches, double agreedMaxDifference, boolean budgetStopped, Duration elapsed) {
        this.agreedMaxDifference = agreedMaxDifference;
        this.mismatches = List.copyOf(mismatches);
        this.budgetStopped = budgetStopped;
        this.logits = Objects.requireNonNull(logits, "logits");
        this.labels = List.copyOf(labels);
        this.planned = Objects.requireNonNull(planned, "planned");
        this.ran = Objects.requireNonNull(ran, "ran");
        this.hops = List.copyOf(hops);
        this.elapsed = Objects.requireNonNull(elapsed, "elapsed");
    }

    /** The plan the policy drew for this request. */
    public ExecutionPlan planned() {
        return planned;
    }

    /** The blocks that ran, in the slots they ran in: {@link #planned()} without the blocks left out. */
    public ExecutionPlan ran() {
        return ran;
    }

    /** The planned blocks that did not run (left out, or stopped by the budget), in plan order. */
    public List<Integer> skipped() {
        List<Integer> skipped = new ArrayList<>(planned.blocks());
        skipped.removeAll(ran.blocks());
        return skipped;
    }

    /** Every hop in order, failed attempts and skipped blocks included. */
    public List<Hop> hops() {
        return hops;
    }

    /** The servers that ran the blocks of {@link #ran()}, slot by slot. */
    public List<String> blockServers() {
        return hops.stream().filter(h -> h.stage() == Hop.Stage.BLOCK && h.outcome() == Hop.Outcome.OK)
                .map(Hop::server).toList();
    }

    /** The hops whose servers disagreed ({@link Verify}), with the servers and the largest difference. */
    public List<Mismatch> mismatches() {
        return mismatches;
    }

    /**
     * The largest absolute difference between outputs of one hop that agreed within the tolerance (0 when no hop
     * was checked): how far honest servers disagree, measured.
     */
    public double agreedMaxDifference() {
        return agreedMaxDifference;
    }

    /** Whether the budget stopped the blocks before the plan ran out ({@link #ran()} says how many ran). */
    public boolean budgetStopped() {
        return budgetStopped;
    }

    /** The calls made to check outputs ({@link Verify}): second opinions and tie-breakers, agreeing or not. */
    public int verificationCalls() {
        return (int) hops.stream().filter(h -> h.outcome() == Hop.Outcome.CHECKED
                || h.outcome() == Hop.Outcome.LIED).count();
    }

    /** The hops {@link Verify} wanted checked that ran on one server only, no other being up to check them. */
    public int unverifiedHops() {
        return (int) hops.stream().filter(h -> h.outcome() == Hop.Outcome.OK && Hop.UNVERIFIED.equals(h.detail()))
                .count();
    }

    /** How many calls failed and were retried elsewhere or ended in a skip. */
    public int failedHops() {
        return (int) hops.stream().filter(h -> h.outcome() == Hop.Outcome.FAILED).count();
    }

    /** The successful hops, e.g. {@code stem@a 2@b 0@a 1@c head@b}. */
    public String route() {
        return hops.stream().filter(h -> h.outcome() == Hop.Outcome.OK).map(Hop::toString)
                .collect(Collectors.joining(" "));
    }

    /** From the plan to the logits, as the client saw it. */
    public Duration elapsed() {
        return elapsed;
    }

    /** Number of images. */
    public int batchSize() {
        return logits.length;
    }

    /** The class names, one per class. */
    public List<String> labels() {
        return labels;
    }

    /** The logits {@code [batch][classes]}, a fresh copy. */
    public float[][] logits() {
        float[][] copy = new float[logits.length][];
        Arrays.setAll(copy, b -> logits[b].clone());
        return copy;
    }

    /** The most likely class of each image (the lowest index on a tie). */
    public int[] predictedClasses() {
        int[] classes = new int[logits.length];
        for (int b = 0; b < logits.length; b++) {
            int best = 0;
            for (int k = 1; k < logits[b].length; k++) {
                if (logits[b][k] > logits[b][best]) {
                    best = k;
                }
            }
            classes[b] = best;
        }
        return classes;
    }

    /** The label of the most likely class of each image. */
    public List<String> predictedLabels() {
        return Arrays.stream(predictedClasses()).mapToObj(labels::get).toList();
    }

    @Override
    public String toString() {
        return "SwarmResult[batch=" + logits.length + ", planned=" + planned + ", ran=" + ran + ", route=" + route()
                + ", predicted=" + predictedLabels() + (mismatches.isEmpty() ? "" : ", mismatches=" + mismatches)
                + (budgetStopped ? ", stopped by the budget" : "") + "]";
    }
}
