package io.github.layershuffle.samples.swarm.bench;

import io.github.layershuffle.samples.swarm.client.Hop;
import io.github.layershuffle.samples.swarm.client.Hop.Outcome;
import io.github.layershuffle.samples.swarm.client.SwarmException;
import io.github.layershuffle.samples.swarm.client.SwarmResult;
import io.github.layershuffle.samples.swarm.data.LabeledImages;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Per-request outcomes of a {@link BenchRun}, filled in by its worker threads, and their summary. */
final class BenchOutcomes {
    private static final Logger LOG = LoggerFactory.getLogger(BenchOutcomes.class);

    /** One finished request. */
    private record Row(double millis, int blocks, String failure, int images, int correct, int skipped,
                       int failedHops, int checks, int unverified, boolean budgetStopped, double agreed,
                       LieCounts lies) {
    }

    private final LabeledImages data;
    private final Misconduct misconduct;
    private final Row[] rows;
    private int finished;

    BenchOutcomes(int requests, LabeledImages data, Misconduct misconduct) {
        this.data = data;
        this.misconduct = misconduct;
        this.rows = new Row[requests];
    }

    /** Runs request {@code r} (images {@code [from, to)}) and records what came of it. */
    void record(int r, int from, int to, Supplier<SwarmResult> call) {
        long t0 = System.nanoTime();
        SwarmResult result = null;
        String error = null;
        List<Hop> hops = List.of();
        try {
            result = call.get();
            hops = result.hops();
        } catch (SwarmException e) {
            error = e.reason().name();
            hops = e.hops();
            LOG.debug("request {} failed: {}; hops {}", r, e.getMessage(), e.hops());
        } catch (RuntimeException e) {
            error = "UNEXPECTED " + e.getClass().getSimpleName();
            LOG.warn("request {} failed unexpectedly", r, e);
        }
        double millis = (System.nanoTime() - t0) / 1e6;
        int checks = (int) hops.stream().filter(h -> h.outcome() == Outcome.CHECKED || h.outcome() == Outcome.LIED)
                .count();
        int alone = (int) hops.stream().filter(h -> h.outcome() == Outcome.OK && Hop.UNVERIFIED.equals(h.detail()))
                .count();
        int failedHops = (int) hops.stream().filter(h -> h.outcome() == Outcome.FAILED).count();
        int liar = misconduct.liar(r);
        LieCounts lies = liar < 0 ? LieCounts.NONE : classify(hops, BenchRun.serverName(liar));
        int correct = 0;
        if (result != null) {
            int[] predicted = result.predictedClasses();
            for (int i = 0; i < predicted.length; i++) {
                correct += predicted[i] == data.label(from + i) ? 1 : 0;
            }
        }
        Row row = result == null ? new Row(millis, 0, error, to - from, 0, 0, failedHops, checks, alone, false, 0,
                lies) : new Row(millis, result.ran().size(), null, to - from, correct, result.skipped().size(),
                failedHops, checks, alone, result.budgetStopped(), result.agreedMaxDifference(), lies);
        synchronized (this) {
            rows[r] = row;
            finished++;
        }
    }

    /**
     * What the client made of the lies of one request, whose Block hops on server {@code liar} were all lies
     * ({@link LieCounts}; {@code told} is left 0, the servers count it).
     */
    static LieCounts classify(List<Hop> hops, String liar) {
        long caught = 0;
        long flagged = 0;
        long passed = 0;
        long unverified = 0;
        long unchecked = 0;
        for (Hop h : hops) {
            if (h.stage() != Hop.Stage.BLOCK || !h.server().equals(liar)) {
                continue;
            }
            switch (h.outcome()) {
                case LIED -> caught++;
                case FAILED -> flagged += h.detail().startsWith(Hop.NO_MAJORITY) ? 1 : 0;   // else no answer came
                case CHECKED -> passed++;
                case OK -> {
                    if (Hop.UNVERIFIED.equals(h.detail())) {
                        unverified++;
                    } else if (hops.stream().anyMatch(g -> g != h && g.stage() == Hop.Stage.BLOCK
                            && g.block() == h.block() && g.slot() == h.slot() && (g.outcome() == Outcome.CHECKED
                            || g.outcome() == Outcome.LIED || g.outcome() == Outcome.RECOMPUTED))) {
                        passed++;
                    } else {
                        unchecked++;
                    }
                }
                default -> {
                }
            }
        }
        return new LieCounts(0, caught, flagged, passed, unverified, unchecked);
    }

    synchronized int finished() {
        return finished;
    }

    synchronized BenchResult summarise(String name, String variant, int dispatched, int notDispatched, int kills,
                                       int restarts, int restartFailures, Duration wall, int liesTold) {
        long verificationCalls = 0;
        long unverifiedHops = 0;
        int budgetStops = 0;
        double agreedMax = 0;
        int answered = 0;
        int failed = 0;
        long images = 0;
        long imagesFailed = 0;
        long right = 0;
        long skippedBlocks = 0;
        long hopsFailed = 0;
        long blockSum = 0;
        int min = Integer.MAX_VALUE;
        int max = 0;
        LieCounts lies = new LieCounts(liesTold, 0, 0, 0, 0, 0);
        Map<String, Integer> reasons = new TreeMap<>();
        List<Double> times = new ArrayList<>();
        for (int r = 0; r < dispatched; r++) {
            Row row = rows[r];
            if (row == null) {
                failed++;
                reasons.merge("NOT_FINISHED", 1, Integer::sum);
                continue;
            }
            hopsFailed += row.failedHops();
            verificationCalls += row.checks();
            unverifiedHops += row.unverified();
            lies = lies.plus(row.lies());
            if (row.failure() != null) {
                failed++;
                imagesFailed += row.images();
                reasons.merge(row.failure(), 1, Integer::sum);
                continue;
            }
            budgetStops += row.budgetStopped() ? 1 : 0;
            agreedMax = Math.max(agreedMax, row.agreed());
            answered++;
            images += row.images();
            right += row.correct();
            skippedBlocks += row.skipped();
            blockSum += row.blocks();
            min = Math.min(min, row.blocks());
            max = Math.max(max, row.blocks());
            times.add(row.millis());
        }
        double[] sorted = times.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] pct = {percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99),
            sorted.length == 0 ? Double.NaN : sorted[sorted.length - 1]};
        return new BenchResult(name, variant, dispatched, answered, failed, notDispatched, reasons, images, right,
                imagesFailed, pct, answered == 0 ? Double.NaN : (double) blockSum / answered,
                answered == 0 ? 0 : min, max, skippedBlocks, hopsFailed, kills, restarts, restartFailures, wall,
                lies, verificationCalls, unverifiedHops, budgetStops, agreedMax);
    }

    /** Nearest-rank percentile of sorted values; NaN if there are none. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
