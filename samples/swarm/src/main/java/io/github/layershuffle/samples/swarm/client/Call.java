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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request through the swarm: stem, the blocks of the plan, head, each hop on a server chosen among those that
 * host the part and are not banned. The one place where the {@link FaultMode}, the deadline, retries with
 * backoff and bans are applied.
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
    private final List<Hop> hops = new ArrayList<>();

    Call(Router router, List<String> labels, ClientSettings settings, ExecutionPlan planned, int batch,
         SplittableRandom rng) {
        this.router = router;
        this.labels = labels;
        this.settings = settings;
        this.planned = planned;
        this.batch = batch;
        this.rng = rng;
        this.deadlineAt = start + settings.deadline().toNanos();
    }

    SwarmResult run(Tensor pixels) {
        ModelConfig c = router.config();
        long[] tokens = {batch, c.tokenCount(), c.width()};
        Tensor x = hop(Stage.STEM, -1, -1, pixels, tokens);
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < planned.size(); i++) {
            int block = planned.block(i);
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
                Duration.ofNanos(System.nanoTime() - start));
    }

    /**
     * Runs one part on some server.
     *
     * @return the checked output, or {@code null} if the block was left out
     */
    private Tensor hop(Stage stage, int block, int slot, Tensor input, long[] expected) {
        FaultMode mode = settings.faultMode();
        boolean isBlock = stage == Stage.BLOCK;
        boolean mayStop = isBlock && mode.skipsBlocks();
        boolean maySubstitute = mode != FaultMode.FAIL && (!isBlock || mode.substitutesBlocks());
        String part = isBlock ? "block " + block : "the " + stage.name().toLowerCase(Locale.ROOT);
        int attempts = 0;
        int waits = 0;
        String lastFailure = "";
        while (true) {
            List<Peer> candidates = router.candidates(stage, block, rng, deadlineAt, false);
            if (candidates.isEmpty()) {
                // every host of the part is banned: probe them, one may be back
                candidates = router.candidates(stage, block, rng, deadlineAt, true);
            }
            if (candidates.isEmpty()) {
                String why = "no server hosting " + part + " is up" + (lastFailure.isEmpty() ? "" : " (last: "
                        + lastFailure + ")");
                if (mayStop) {
                    return skip(block, why);
                }
                if (maySubstitute && waits < settings.maxAttempts() - 1 && backoff(waits++)) {
                    continue;
                }
                throw fail(Reason.NO_SERVER, why + "; servers: " + router.servers());
            }
            Peer peer = candidates.get(0);
            long now = System.nanoTime();
            long remaining = deadlineAt - now;
            if (remaining <= 0) {
                throw fail(Reason.DEADLINE_EXCEEDED, "the deadline of " + settings.deadline().toMillis()
                        + " ms passed before " + part);
            }
            long timeout = Math.min(settings.hopTimeout().toNanos(), remaining);
            attempts++;
            String failure;
            try {
                Tensor out = send(peer, stage, block, slot, input, timeout);
                Activations.decode(out, part + " output from " + peer.name(), expected, batch);
                peer.succeeded();
                hops.add(new Hop(stage, block, slot, peer.name(), Outcome.OK, "", micros(now)));
                return out;
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
            }
            lastFailure = peer.name() + ": " + failure;
            hops.add(new Hop(stage, block, slot, peer.name(), Outcome.FAILED, failure, micros(now)));
            Duration ban = peer.ban(failure, settings.banInitial(), settings.banMax(), System.nanoTime());
            LOG.debug("{} failed on {} ({}); banned for {} ms", part, peer.name(), failure, ban.toMillis());
            if (mode == FaultMode.FAIL) {
                throw fail(Reason.HOP_FAILED, part + " failed on " + lastFailure);
            }
            if (isBlock && mode == FaultMode.SKIP) {
                return skip(block, "its server failed: " + lastFailure);
            }
            if (attempts >= settings.maxAttempts()) {
                if (mayStop) {
                    return skip(block, attempts + " attempts failed, last: " + lastFailure);
                }
                throw fail(Reason.NO_SERVER, part + " failed on " + attempts + " attempts, last: " + lastFailure);
            }
        }
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
        return new SwarmException(reason, message, planned, hops);
    }

    private static long micros(long since) {
        return (System.nanoTime() - since) / 1_000;
    }
}
