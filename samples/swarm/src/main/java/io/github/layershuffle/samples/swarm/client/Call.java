package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.samples.swarm.client.Hop.Outcome;
import io.github.layershuffle.samples.swarm.client.Hop.Stage;
import io.github.layershuffle.samples.swarm.client.SwarmException.Reason;
import io.github.layershuffle.samples.swarm.proto.BlockRequest;
import io.github.layershuffle.samples.swarm.proto.HeadRequest;
import io.github.layershuffle.samples.swarm.proto.StemRequest;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import io.github.layershuffle.samples.swarm.wire.Activations;
import io.github.layershuffle.samples.swarm.wire.SwarmMethods;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request through the swarm: stem, the blocks of the plan, head, each hop on a server chosen among those that
 * host the part and are not banned. The one place where the {@link FaultMode}, the deadline, retries with
 * backoff, bans, {@link Verify verification}, {@link Routing adaptive order} and the budget are applied.
 */
final class Call {
    private static final Logger LOG = LoggerFactory.getLogger(Call.class);

    private final Router router;
    private final List<String> labels;
    private final ClientSettings settings;
    private final ExecutionPlan planned;
    private final int batch;
    private final SplittableRandom rng;
    private final long start = System.nanoTime();
    private final long deadlineAt;
    private final long budgetAt;
    private final List<Hop> hops = new ArrayList<>();
    private final List<Mismatch> mismatches = new ArrayList<>();
    private final Verification verification;

    Call(Router router, List<String> labels, ClientSettings settings, LocalExport local, ExecutionPlan planned,
         int batch, SplittableRandom rng) {
        this.router = router;
        this.labels = labels;
        this.settings = settings;
        this.planned = planned;
        this.batch = batch;
        this.rng = rng;
        this.deadlineAt = start + settings.deadline().toNanos();
        this.budgetAt = settings.budget() == null ? 0 : start + settings.budget().toNanos();
        this.verification = new Verification(settings, local, hops, mismatches, this::fail);
    }

    SwarmResult run(Tensor pixels) {
        ModelConfig c = router.config();
        long[] tokens = {batch, c.tokenCount(), c.width()};
        Tensor x = hop(Stage.STEM, -1, -1, pixels, tokens);
        List<Integer> ran = new ArrayList<>();
        List<Integer> remaining = new ArrayList<>(planned.blocks());
        boolean orderFree = router.orderFree();
        boolean budgetStop = false;
        while (!remaining.isEmpty()) {
            int pick = orderFree ? soonest(remaining) : 0;
            int block = remaining.get(pick);
            if (budgetAt != 0 && ran.size() >= settings.minBlocks() && !fits(block)) {
                budgetStop = true;
                break;
            }
            remaining.remove(pick);
            Tensor y = hop(Stage.BLOCK, block, ran.size(), x, tokens);
            if (y != null) {
                x = y;
                ran.add(block);
            }
        }
        if (ran.size() < settings.minBlocks()) {
            throw fail(Reason.TOO_FEW_BLOCKS, ran.size() + " of the " + planned.size() + " planned blocks ran "
                    + ran + ", the client needs at least " + settings.minBlocks());
        }
        Tensor logits = hop(Stage.HEAD, -1, -1, x, new long[] {batch, c.classes()});
        float[][] rows = Activations.decode(logits, "logits", new long[] {batch, c.classes()}, batch).rows();
        return new SwarmResult(rows, labels, planned, new ExecutionPlan(planned.blockCount(), ran), hops,
                mismatches, verification.agreedMaxDifference(), budgetStop, Duration.ofNanos(System.nanoTime() - start));
    }

    /** The index in {@code remaining} of the block whose server is expected to answer soonest (the first on a tie). */
    private int soonest(List<Integer> remaining) {
        int best = 0;
        long bestNanos = Long.MAX_VALUE;
        for (int i = 0; i < remaining.size(); i++) {
            long e = router.expectedNanos(Stage.BLOCK, remaining.get(i));
            if (e < bestNanos) {
                best = i;
                bestNanos = e;
            }
        }
        return best;
    }

    /** Whether {@code block} and then the head are expected to be done before the budget runs out. */
    private boolean fits(int block) {
        long next = router.expectedNanos(Stage.BLOCK, block);
        long head = router.expectedNanos(Stage.HEAD, -1);
        // no server up for it: its hop skips or fails at once, the budget is not what stops it
        next = next == Long.MAX_VALUE ? 0 : next;
        head = head == Long.MAX_VALUE ? 0 : head;
        return System.nanoTime() + next + head <= budgetAt;
    }

    /**
     * Runs one part on some server, and on more servers (or in process) as {@link Verify} asks.
     *
     * @return the output, or {@code null} if the block was left out
     */
    private Tensor hop(Stage stage, int block, int slot, Tensor input, long[] expected) {
        Set<Peer> asked = new HashSet<>();
        Reply first = attempt(stage, block, slot, input, expected, asked);
        if (first == null) {
            return null;
        }
        Verify verify = settings.verify();
        int extra = verify.extraCalls(rng);
        if (extra == 0) {
            hops.add(new Hop(stage, block, slot, first.name(), Outcome.OK, "", first.micros()));
            return first.tensor();
        }
        List<Reply> replies = new ArrayList<>(List.of(first));
        boolean inProcess = verify.kind() == Verify.Kind.SPOT && verification.local();
        for (int i = 0; i < extra && !inProcess; i++) {
            Reply r = replica(stage, block, slot, input, expected, asked);
            if (r == null) {
                break;
            }
            replies.add(r);
        }
        Verification.Settled settled = verification.settle(stage, block, slot, input, expected, batch, replies,
                () -> replica(stage, block, slot, input, expected, asked), inProcess);
        if (settled.tensor() != null) {
            return settled.tensor();
        }
        if (stage == Stage.BLOCK && settings.faultMode().skipsBlocks()) {
            return skip(block, settled.disputed());
        }
        throw fail(Reason.OUTPUTS_DISAGREE, settled.disputed());
    }

    /**
     * The first server that runs the part, with retries, backoff and bans as the fault mode says.
     *
     * @return its reply, or {@code null} if the block was left out
     */
    private Reply attempt(Stage stage, int block, int slot, Tensor input, long[] expected, Set<Peer> asked) {
        FaultMode mode = settings.faultMode();
        boolean isBlock = stage == Stage.BLOCK;
        boolean mayStop = isBlock && mode.skipsBlocks();
        boolean maySubstitute = mode != FaultMode.FAIL && (!isBlock || mode.substitutesBlocks());
        String part = part(stage, block);
        int attempts = 0;
        int waits = 0;
        String lastFailure = "";
        while (true) {
            List<Peer> candidates = router.candidates(stage, block, rng, deadlineAt, false, Set.of());
            if (candidates.isEmpty()) {
                // every host of the part is banned: probe them, one may be back
                candidates = router.candidates(stage, block, rng, deadlineAt, true, Set.of());
            }
            if (candidates.isEmpty()) {
                String why = "no server hosting " + part + " is up" + (lastFailure.isEmpty() ? "" : " (last: "
                        + lastFailure + ")");
                if (mayStop) {
                    skip(block, why);
                    return null;
                }
                if (maySubstitute && waits < settings.maxAttempts() - 1 && backoff(waits++)) {
                    continue;
                }
                throw fail(Reason.NO_SERVER, why + "; servers: " + router.servers());
            }
            Peer peer = candidates.get(0);
            attempts++;
            Answer answer = call(peer, stage, block, slot, input, expected);
            if (answer.reply() != null) {
                asked.add(peer);
                return answer.reply();
            }
            lastFailure = peer.name() + ": " + answer.failure();
            if (mode == FaultMode.FAIL) {
                throw fail(Reason.HOP_FAILED, part + " failed on " + lastFailure);
            }
            if (isBlock && mode == FaultMode.SKIP) {
                skip(block, "its server failed: " + lastFailure);
                return null;
            }
            if (attempts >= settings.maxAttempts()) {
                if (mayStop) {
                    skip(block, attempts + " attempts failed, last: " + lastFailure);
                    return null;
                }
                throw fail(Reason.NO_SERVER, part + " failed on " + attempts + " attempts, last: " + lastFailure);
            }
        }
    }

    /**
     * Another server's reply to the part, for verification: each server not asked yet is tried once; when none is
     * up, banned hosts of the part are probed (a restarted server comes back), liars excepted.
     */
    private Reply replica(Stage stage, int block, int slot, Tensor input, long[] expected, Set<Peer> asked) {
        while (true) {
            List<Peer> candidates = router.candidates(stage, block, rng, deadlineAt, false, asked);
            if (candidates.isEmpty()) {
                candidates = router.candidates(stage, block, rng, deadlineAt, true, asked);
            }
            if (candidates.isEmpty()) {
                return null;
            }
            Peer peer = candidates.get(0);
            asked.add(peer);
            Answer answer = call(peer, stage, block, slot, input, expected);
            if (answer.reply() != null) {
                return answer.reply();
            }
        }
    }

    /** A call's checked reply, or why it failed. */
    private record Answer(Reply reply, String failure) {
    }

    /**
     * One call to one server: its checked reply; or, after recording the failed hop and banning the server, why.
     *
     * @throws SwarmException if the request's deadline passed
     */
    private Answer call(Peer peer, Stage stage, int block, int slot, Tensor input, long[] expected) {
        String part = part(stage, block);
        long now = System.nanoTime();
        long remaining = deadlineAt - now;
        if (remaining <= 0) {
            throw fail(Reason.DEADLINE_EXCEEDED, "the deadline of " + settings.deadline().toMillis()
                    + " ms passed before " + part);
        }
        long timeout = Math.min(settings.hopTimeout().toNanos(), remaining);
        String failure;
        peer.callStarted();
        boolean ended = false;
        try {
            Tensor out = send(peer, stage, block, slot, input, timeout);
            peer.callEnded(stage, System.nanoTime() - now);
            ended = true;
            FloatBuffer values = Activations.decode(out, part + " output from " + peer.name(), expected, batch).data();
            peer.succeeded();
            return new Answer(new Reply(peer, out, values, micros(now)), null);
        } catch (StatusRuntimeException e) {
            Status s = e.getStatus();
            failure = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
            if (s.getCode() == Status.Code.DEADLINE_EXCEEDED && timeout == remaining) {
                hops.add(new Hop(stage, block, slot, peer.name(), Outcome.FAILED, failure, micros(now)));
                throw fail(Reason.DEADLINE_EXCEEDED, "the deadline of " + settings.deadline().toMillis()
                        + " ms passed while " + peer.name() + " ran " + part);
            }
            if (s.getCode() == Status.Code.NOT_FOUND) {
                peer.forget();
            }
        } catch (IllegalArgumentException e) {
            failure = "garbage response: " + e.getMessage();
        } finally {
            if (!ended) {
                peer.callEnded(stage, System.nanoTime() - now);
            }
        }
        hops.add(new Hop(stage, block, slot, peer.name(), Outcome.FAILED, failure, micros(now)));
        Duration ban = peer.ban(failure, settings.banInitial(), settings.banMax(), System.nanoTime());
        LOG.debug("{} failed on {} ({}); banned for {} ms", part, peer.name(), failure, ban.toMillis());
        return new Answer(null, failure);
    }

    private Tensor send(Peer peer, Stage stage, int block, int slot, Tensor input, long timeoutNanos) {
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
        String model = router.model();
        return switch (stage) {
            case STEM -> ClientCalls.blockingUnaryCall(peer.channel(), SwarmMethods.STEM, options,
                    StemRequest.newBuilder().setExportId(model).setPixels(input).build()).getTensor();
            case BLOCK -> ClientCalls.blockingUnaryCall(peer.channel(), SwarmMethods.BLOCK, options,
                    BlockRequest.newBuilder().setExportId(model).setBlock(block).setSlot(slot).setTokens(input)
                            .build()).getTensor();
            case HEAD -> ClientCalls.blockingUnaryCall(peer.channel(), SwarmMethods.HEAD, options,
                    HeadRequest.newBuilder().setExportId(model).setTokens(input).build()).getTensor();
        };
    }

    private static String part(Stage stage, int block) {
        return Verification.part(stage, block);
    }

    private Tensor skip(int block, String why) {
        hops.add(new Hop(Stage.BLOCK, block, -1, "-", Outcome.SKIPPED, why, 0));
        LOG.debug("block {} skipped: {}", block, why);
        return null;
    }

    /** Sleeps {@code initial * 2^n} (capped, with jitter) unless that passes the deadline; whether it slept. */
    private boolean backoff(int n) {
        long cap = settings.backoffMax().toNanos();
        long d = Math.min(cap, settings.backoffInitial().toNanos() << Math.min(n, 30));
        d = d / 2 + (d > 1 ? rng.nextLong(d / 2 + 1) : 0);
        if (System.nanoTime() + d >= deadlineAt) {
            return false;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(d);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private SwarmException fail(Reason reason, String message) {
        return new SwarmException(reason, message, planned, hops, mismatches);
    }

    private static long micros(long since) {
        return (System.nanoTime() - since) / 1_000;
    }
}
