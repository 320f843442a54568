package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.samples.swarm.client.Hop.Outcome;
import io.github.layershuffle.samples.swarm.client.Hop.Stage;
import io.github.layershuffle.samples.swarm.client.SwarmException.Reason;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, for one request, which output of a checked hop is used ({@link Verify}): outputs that agree are used;
 * on a split the client's in-process recompute ({@link LocalExport}) is the judge when it holds the export, else more
 * servers are asked until a strict majority agrees. The outvoted are banned and reported as {@link Mismatch}es;
 * with no majority the hop is disputed (a block is left out, the stem or head fails the request).
 */
final class Verification {
    private static final Logger LOG = LoggerFactory.getLogger(Verification.class);
    /** Extra servers asked when the outputs of a hop split without a majority. */
    private static final int MAX_TIEBREAKS = 2;

    /** The output to use, or why none could be chosen. */
    record Settled(Tensor tensor, String disputed) {
    }

    private final ClientSettings settings;
    private final LocalExport local;
    private final List<Hop> hops;
    private final List<Mismatch> mismatches;
    private final BiFunction<Reason, String, SwarmException> fail;
    /** The largest difference between outputs that agreed: honest disagreement, measured. */
    private double agreedMaxDifference;

    Verification(ClientSettings settings, LocalExport local, List<Hop> hops, List<Mismatch> mismatches,
                 BiFunction<Reason, String, SwarmException> fail) {
        this.settings = settings;
        this.local = local;
        this.hops = hops;
        this.mismatches = mismatches;
        this.fail = fail;
    }

    double agreedMaxDifference() {
        return agreedMaxDifference;
    }

    /** Whether the client can recompute hops in process. */
    boolean local() {
        return local != null;
    }

    /**
     * Settles a checked hop.
     *
     * @param replies  the servers' replies so far, at least one
     * @param another  asks one more server (not asked yet) for its reply; {@code null} when none is left
     * @param inProcess recompute in process whatever the replies say (a spot check with the export at hand)
     * @throws SwarmException if the in-process recompute fails
     */
    Settled settle(Stage stage, int block, int slot, Tensor input, long[] expected, int batch, List<Reply> replies,
                   Supplier<Reply> another, boolean inProcess) {
        if (local != null && (inProcess || replies.size() == 1)) {
            return judge(stage, block, slot, input, expected, batch, replies);
        }
        if (replies.size() == 1) {
            record(stage, block, slot, replies.get(0), Outcome.OK, Hop.UNVERIFIED);
            return new Settled(replies.get(0).tensor(), null);
        }
        List<List<Reply>> groups = Agreement.groups(replies, Reply::values, settings.tolerance());
        if (groups.size() > 1 && local != null) {
            return judge(stage, block, slot, input, expected, batch, replies);
        }
        int tiebreaks = 0;
        while (Agreement.majority(groups, replies.size()) == null && tiebreaks++ < MAX_TIEBREAKS) {
            Reply r = another.get();
            if (r == null) {
                break;
            }
            replies.add(r);
            groups = Agreement.groups(replies, Reply::values, settings.tolerance());
        }
        for (List<Reply> g : groups) {
            for (int i = 1; i < g.size(); i++) {
                agreedMaxDifference = Math.max(agreedMaxDifference, Agreement.maxDifference(g.get(0).values(),
                        g.get(i).values()));
            }
        }
        if (groups.size() == 1) {
            for (Reply r : replies) {
                record(stage, block, slot, r, r == replies.get(0) ? Outcome.OK : Outcome.CHECKED, "");
            }
            return new Settled(replies.get(0).tensor(), null);
        }
        List<Reply> majority = Agreement.majority(groups, replies.size());
        if (majority == null) {
            return dispute(stage, block, slot, replies, groups);
        }
        outvote(stage, block, slot, replies, majority, majority.get(0).values(), List.of());
        return new Settled(majority.get(0).tensor(), null);
    }

    /** Recomputes the hop in process and takes that as the truth: a server that differs from it lied. */
    private Settled judge(Stage stage, int block, int slot, Tensor input, long[] expected, int batch,
                          List<Reply> replies) {
        Reply truth;
        try {
            truth = local.run(stage, block, slot, input, expected, batch);
        } catch (RuntimeException e) {
            throw fail.apply(Reason.HOP_FAILED, "the in-process recompute of " + part(stage, block) + " on "
                    + local + " failed: " + e.getMessage());
        }
        List<Reply> agreeing = new ArrayList<>();
        for (Reply r : replies) {
            if (Agreement.agree(truth.values(), r.values(), settings.tolerance())) {
                agreeing.add(r);
                agreedMaxDifference = Math.max(agreedMaxDifference, Agreement.maxDifference(truth.values(),
                        r.values()));
            }
        }
        if (agreeing.size() == replies.size()) {
            for (Reply r : replies) {
                record(stage, block, slot, r, r == replies.get(0) ? Outcome.OK : Outcome.CHECKED, "");
            }
            record(stage, block, slot, truth, Outcome.RECOMPUTED, "");
            return new Settled(replies.get(0).tensor(), null);
        }
        outvote(stage, block, slot, replies, agreeing, truth.values(), List.of(Hop.IN_PROCESS));
        if (agreeing.isEmpty()) {
            record(stage, block, slot, truth, Outcome.OK, "no server agreed with the in-process recompute");
            return new Settled(truth.tensor(), null);
        }
        record(stage, block, slot, truth, Outcome.RECOMPUTED, "");
        return new Settled(agreeing.get(0).tensor(), null);
    }

    /** Records the majority's hops, bans and records the rest, and reports the mismatch. */
    private void outvote(Stage stage, int block, int slot, List<Reply> replies, List<Reply> majority,
                         FloatBuffer truth, List<String> alsoAgreeing) {
        String part = part(stage, block);
        double diff = 0;
        List<String> outvoted = new ArrayList<>();
        for (Reply r : replies) {
            if (majority.contains(r)) {
                record(stage, block, slot, r, r == majority.get(0) ? Outcome.OK : Outcome.CHECKED, "");
            } else {
                double d = Agreement.maxDifference(truth, r.values());
                diff = Math.max(diff, d);
                outvoted.add(r.name());
                String why = part + " differed from " + (alsoAgreeing.isEmpty() ? majority.size()
                        + " other server(s)" : "the in-process recompute") + " by " + d;
                record(stage, block, slot, r, Outcome.LIED, why);
                r.peer().condemn(why, settings.liarBan());
            }
        }
        List<String> agreeing = new ArrayList<>(majority.stream().map(Reply::name).toList());
        agreeing.addAll(alsoAgreeing);
        mismatches.add(new Mismatch(stage, block, slot, agreeing, outvoted, diff, true));
    }

    private Settled dispute(Stage stage, int block, int slot, List<Reply> replies, List<List<Reply>> groups) {
        double diff = 0;
        for (int i = 1; i < groups.size(); i++) {
            diff = Math.max(diff, Agreement.maxDifference(groups.get(0).get(0).values(),
                    groups.get(i).get(0).values()));
        }
        List<String> servers = replies.stream().map(Reply::name).toList();
        mismatches.add(new Mismatch(stage, block, slot, List.of(), servers, diff, false));
        String why = "the outputs of " + servers + " for " + part(stage, block) + " differ by up to " + diff
                + " and no majority agrees";
        replies.forEach(r -> record(stage, block, slot, r, Outcome.FAILED, Hop.NO_MAJORITY + why));
        LOG.warn("{}", why);
        return new Settled(null, why);
    }

    private void record(Stage stage, int block, int slot, Reply r, Outcome outcome, String detail) {
        hops.add(new Hop(stage, block, slot, r.name(), outcome, detail, r.micros()));
    }

    static String part(Stage stage, int block) {
        return stage == Stage.BLOCK ? "block " + block : "the " + stage.name().toLowerCase(Locale.ROOT);
    }
}
