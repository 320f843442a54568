package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.samples.swarm.client.Hop.Stage;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks, for one hop, the servers that may run a part of the client's model now. */
final class Router {
    private static final Logger LOG = LoggerFactory.getLogger(Router.class);
    /** A banned server whose health probe failed is probed again, as a last resort, after this long. */
    private static final long PROBE_INTERVAL = Duration.ofMillis(20).toNanos();

    private final List<Peer> peers;
    private final String model;
    private final ModelConfig config;
    private final ClientSettings settings;

    Router(List<Peer> peers, String model, ModelConfig config, ClientSettings settings) {
        this.peers = peers;
        this.model = model;
        this.config = config;
        this.settings = settings;
    }

    String model() {
        return model;
    }

    ModelConfig config() {
        return config;
    }

    /** Snapshots of every server, for messages. */
    List<ServerStatus> servers() {
        long now = System.nanoTime();
        return peers.stream().map(p -> p.status(now)).toList();
    }

    /**
     * The servers that may run {@code stage} (block {@code block}) now, in random order: not banned, described,
     * hosting the part, and, if a ban just ran out, answering the health probe. With {@code lastResort}, for when
     * that list is empty, banned servers hosting the part are probed too, and those that answer SERVING come back
     * early: a ban steers traffic to the other copies, it must not fail a request that a restarted server could
     * serve.
     */
    List<Peer> candidates(Stage stage, int block, SplittableRandom rng, long deadlineAt, boolean lastResort,
                          Set<Peer> exclude) {
        List<Peer> out = new ArrayList<>();
        for (Peer p : peers) {
            if (exclude.contains(p) || p.condemned()) {
                continue;
            }
            long now = System.nanoTime();
            Peer.State state = p.state(now);
            if (deadlineAt - now <= 0 || state == Peer.State.BANNED
                    && !(lastResort && mayHost(p, stage, block) && p.mayProbe(now, PROBE_INTERVAL))) {
                continue;
            }
            Duration probe = Duration.ofNanos(Math.min(settings.hopTimeout().toNanos(), deadlineAt - now));
            if (state != Peer.State.USABLE) {
                p.reconnect();
                String health = p.health(probe);
                if (!"SERVING".equals(health)) {
                    p.probeFailed(System.nanoTime());
                    p.ban("health check: " + health, settings.banInitial(), settings.banMax(), System.nanoTime());
                    continue;
                }
                p.unban();
            }
            if (p.exports() == null && !describe(p, probe)) {
                continue;
            }
            if (p.hosts(model, stage, block)) {
                out.add(p);
            }
        }
        for (int i = out.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            out.set(i, out.set(j, out.get(i)));
        }
        if (settings.routing() == Routing.ADAPTIVE) {
            // stable: servers expected equally soon stay in random order
            out.sort(Comparator.comparingLong(p -> p.expectedNanos(stage)));
        }
        return out;
    }

    /**
     * The soonest any server that may take the part now (not banned, hosting it) is expected to answer it, in
     * nanoseconds (0 for a server not timed yet); {@link Long#MAX_VALUE} if none may. No probes, no calls.
     */
    long expectedNanos(Stage stage, int block) {
        long now = System.nanoTime();
        long best = Long.MAX_VALUE;
        for (Peer p : peers) {
            if (p.state(now) != Peer.State.BANNED && p.hosts(model, stage, block)) {
                best = Math.min(best, p.expectedNanos(stage));
            }
        }
        return best;
    }

    /** Whether blocks may run in any order: adaptive routing of a model trained with shuffled blocks. */
    boolean orderFree() {
        return settings.routing() == Routing.ADAPTIVE && config.variant().shuffles();
    }

    /** Whether the server hosts the part, or might (it has not said what it hosts yet). */
    private boolean mayHost(Peer p, Stage stage, int block) {
        return p.exports() == null || p.hosts(model, stage, block);
    }

    private boolean describe(Peer p, Duration timeout) {
        try {
            p.describe(timeout);
            return true;
        } catch (StatusRuntimeException | IllegalArgumentException e) {
            p.ban("describe: " + e.getMessage(), settings.banInitial(), settings.banMax(), System.nanoTime());
            return false;
        }
    }

    /** Logs which parts no server hosts, and the client's settings. */
    void logCoverage() {
        List<String> missing = new ArrayList<>();
        if (peers.stream().noneMatch(p -> p.hosts(model, Stage.STEM, -1))) {
            missing.add("stem");
        }
        for (int b = 0; b < config.depth(); b++) {
            int block = b;
            if (peers.stream().noneMatch(p -> p.hosts(model, Stage.BLOCK, block))) {
                missing.add("block " + b);
            }
        }
        if (peers.stream().noneMatch(p -> p.hosts(model, Stage.HEAD, -1))) {
            missing.add("head");
        }
        if (!missing.isEmpty()) {
            LOG.warn("no server that answered hosts {} of model {}", missing, model);
        }
        LOG.info("swarm client for model {} ({}, {} blocks) over {} servers, {}", model, config.variant(),
                config.depth(), peers.size(), settings);
    }

}
