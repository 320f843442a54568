package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.samples.swarm.proto.DescribeRequest;
import io.github.layershuffle.samples.swarm.proto.DescribeResponse;
import io.github.layershuffle.samples.swarm.proto.HostedExport;
import io.github.layershuffle.samples.swarm.wire.SwarmMethods;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One block server as the client sees it: its channel, what it hosts (once it has answered {@code Describe}) and
 * its ban. A failure bans the server for a time that doubles with each failure in a row, up to a maximum; when the
 * ban runs out the server is probed with the gRPC health service before it gets traffic again (half-open), and
 * its first success clears the record.
 */
final class Peer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Peer.class);

    /** What one export a server hosts. */
    record Hosting(String exportId, String family, ModelConfig config, Set<Integer> blocks, boolean stem,
                   boolean head) {

        boolean hosts(Hop.Stage stage, int block) {
            return switch (stage) {
                case STEM -> stem;
                case HEAD -> head;
                case BLOCK -> blocks.contains(block);
            };
        }
    }

    /** Where a peer stands. */
    enum State { USABLE, BANNED, PROBE }

    private final ServerAddress address;
    private final Function<ServerAddress, ManagedChannel> channels;
    private volatile ManagedChannel channel;
    private volatile boolean closed;
    private volatile Map<String, Hosting> exports;
    private volatile String name;
    private long bannedUntil;
    private long probeFailedAt;
    private boolean probeFailed;
    private int failures;
    private String problem = "";
    /** Until when the server is banned for lying (System.nanoTime), 0 if it was not caught; guarded by this. */
    private long condemnedUntil;
    /** Smoothed call latency per stage in nanoseconds, 0 until the first call; guarded by this. */
    private final long[] latency = new long[Hop.Stage.values().length];
    private final AtomicInteger inFlight = new AtomicInteger();

    Peer(ServerAddress address, Function<ServerAddress, ManagedChannel> channels) {
        this.address = address;
        this.channels = channels;
        this.channel = channels.apply(address);
        this.name = address.toString();
    }

    ServerAddress address() {
        return address;
    }

    /** The current channel; {@link #reconnect()} replaces it. */
    ManagedChannel channel() {
        return channel;
    }

    /**
     * Replaces the channel by a fresh one, and shuts the old one down once its calls in flight are done. A channel to
     * a server that went away waits out gRPC's reconnect backoff (up to two minutes) and fails calls at once until
     * then, so a server restarted on its address would stay unreachable; {@code resetConnectBackoff()} does not
     * help a call made right after it, and {@code enterIdle()} races with calls starting on other threads.
     */
    synchronized void reconnect() {
        if (closed) {
            return;
        }
        ManagedChannel old = channel;
        channel = channels.apply(address);
        old.shutdown();
    }

    /** The name the server reports, or its address until it has answered. */
    String name() {
        return name;
    }

    /** What it hosts, by export id; {@code null} until it has answered {@code Describe}. */
    Map<String, Hosting> exports() {
        return exports;
    }

    boolean hosts(String exportId, Hop.Stage stage, int block) {
        Map<String, Hosting> e = exports;
        Hosting h = e == null ? null : e.get(exportId);
        return h != null && h.hosts(stage, block);
    }

    /**
     * Asks the server what it hosts.
     *
     * @throws StatusRuntimeException     if the call fails
     * @throws IllegalArgumentException if a hosted export's config does not parse
     */
    void describe(Duration timeout) {
        DescribeResponse r = ClientCalls.blockingUnaryCall(channel, SwarmMethods.DESCRIBE,
                CallOptions.DEFAULT.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS),
                DescribeRequest.getDefaultInstance());
        Map<String, Hosting> map = new LinkedHashMap<>();
        for (HostedExport e : r.getExportsList()) {
            ModelConfig config;
            try {
                config = ModelConfig.fromJson(e.getConfigJson());
            } catch (RuntimeException ex) {
                throw new IllegalArgumentException("server " + address + " describes export " + e.getExportId()
                        + " with a config that does not parse: " + ex.getMessage(), ex);
            }
            map.put(e.getExportId(), new Hosting(e.getExportId(), e.getFamily(), config,
                    Set.copyOf(new TreeSet<>(e.getBlocksList())), e.getStem(), e.getHead()));
        }
        if (!r.getServerName().isBlank()) {
            name = r.getServerName();
        }
        exports = Map.copyOf(map);
    }

    /** Forgets what the server hosts, so that it is asked again (after it answered NOT_FOUND). */
    void forget() {
        exports = null;
    }

    /** The gRPC health status of the server, or the reason the check failed. */
    String health(Duration timeout) {
        try {
            HealthCheckResponse r = HealthGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(SwarmMethods.SERVICE_NAME).build());
            return r.getStatus().name();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode().name();
        }
    }

    /** A call to this server starts. */
    void callStarted() {
        inFlight.incrementAndGet();
    }

    /** A call that started ended after {@code nanos} (failed calls count too: a server that times out is slow). */
    synchronized void callEnded(Hop.Stage stage, long nanos) {
        inFlight.decrementAndGet();
        long old = latency[stage.ordinal()];
        latency[stage.ordinal()] = Math.max(1, old == 0 ? nanos : (long) (0.7 * old + 0.3 * nanos));
    }

    /**
     * When a call of {@code stage} sent now is expected back, in nanoseconds: its smoothed latency times one plus
     * the calls in flight; 0 for a server not timed yet, so that it is tried.
     */
    synchronized long expectedNanos(Hop.Stage stage) {
        return latency[stage.ordinal()] * (1 + inFlight.get());
    }

    /**
     * The server returned outputs that a majority outvoted: it gets no traffic, not even a health probe, for
     * {@code ban}; a success elsewhere does not shorten it.
     */
    synchronized void condemn(String why, Duration ban) {
        long now = System.nanoTime();
        long until = now + Math.min(ban.toNanos(), Long.MAX_VALUE / 4);
        condemnedUntil = until == 0 ? 1 : until;
        bannedUntil = Math.max(bannedUntil, condemnedUntil);
        failures++;
        problem = why;
        LOG.warn("server {} banned for {} s for lying: {}", name, ban.toSeconds(), why);
    }

    synchronized boolean condemned() {
        return condemned(System.nanoTime());
    }

    private boolean condemned(long now) {
        return condemnedUntil != 0 && now - condemnedUntil < 0;
    }

    synchronized State state(long now) {
        if (condemned(now)) {
            return State.BANNED;
        }
        if (bannedUntil == 0) {
            return State.USABLE;
        }
        return now < bannedUntil ? State.BANNED : State.PROBE;
    }

    /**
     * Bans the server for {@code base * 2^(failures in a row - 1)}, at most {@code max}.
     *
     * @return the ban's length
     */
    synchronized Duration ban(String why, Duration base, Duration max, long now) {
        failures++;
        long nanos = base.toNanos() << Math.min(failures - 1, 30);
        nanos = nanos <= 0 ? max.toNanos() : Math.min(nanos, max.toNanos());
        bannedUntil = now + nanos;
        if (bannedUntil == 0) {
            bannedUntil = 1;
        }
        problem = why;
        LOG.debug("banned server {} for {} ms after {} failure(s) in a row: {}", name, nanos / 1_000_000, failures,
                why);
        return Duration.ofNanos(nanos);
    }

    /** Whether no health probe of this server failed in the last {@code interval} nanoseconds. */
    synchronized boolean mayProbe(long now, long interval) {
        return !condemned(now) && !probeFailed || now - probeFailedAt >= interval;
    }

    /** A health probe failed now. */
    synchronized void probeFailed(long now) {
        probeFailed = true;
        probeFailedAt = now;
    }

    /** A ban ran out and the health probe said SERVING: the server may take traffic, its record still stands. */
    synchronized void unban() {
        if (condemned(System.nanoTime())) {
            return;
        }
        bannedUntil = 0;
        probeFailed = false;
    }

    /** A call succeeded: the record is cleared. */
    synchronized void succeeded() {
        if (condemned(System.nanoTime())) {
            return;
        }
        bannedUntil = 0;
        failures = 0;
        probeFailed = false;
    }

    /** A snapshot for reports. */
    synchronized ServerStatus status(long now) {
        State s = state(now);
        return new ServerStatus(address.toString(), name, exports == null ? List.of() : List.copyOf(exports.keySet()),
                s == State.BANNED, s == State.BANNED ? Duration.ofNanos(bannedUntil - now) : Duration.ZERO, failures,
                problem);
    }

    @Override
    public synchronized void close() {
        closed = true;
        channel.shutdownNow();
    }
}
