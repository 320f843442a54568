package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.samples.swarm.security.ClientSecurity;
import io.github.layershuffle.samples.swarm.wire.ExportId;
import io.grpc.ClientInterceptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Configures a {@link SwarmClient}: {@code servers} is required, every {@code opt*} has a default.
 */
public final class SwarmClientBuilder {
    private List<ServerAddress> servers;
    private String model;
    private FaultMode faultMode = FaultMode.SUBSTITUTE_OR_SKIP;
    private Duration deadline = Duration.ofSeconds(5);
    private Duration hopTimeout = Duration.ofSeconds(1);
    private int maxAttempts = 4;
    private Duration backoffInitial = Duration.ofMillis(20);
    private Duration backoffMax = Duration.ofMillis(500);
    private Duration banInitial = Duration.ofMillis(500);
    private Duration banMax = Duration.ofSeconds(15);
    private int minBlocks = 1;
    private long seed = System.nanoTime();
    private int maxMessageBytes = 256 << 20;
    private Duration connectTimeout = Duration.ofSeconds(2);
    private ClientSecurity security = ClientSecurity.plaintext();
    private Verify verify = Verify.none();
    private double tolerance = SwarmClient.DEFAULT_TOLERANCE;
    private Routing routing = Routing.PLAN;
    private Duration budget;
    private Duration liarBan = Duration.ofHours(1);
    private final List<ClientInterceptor> interceptors = new ArrayList<>();
    private Path localExport;
    private RuntimeOptions localRuntime;

    SwarmClientBuilder() {
    }

    /**
     * The servers to use; those down now are asked again once their ban runs out.
     *
     * @throws IllegalArgumentException if the list is empty
     */
    public SwarmClientBuilder servers(List<ServerAddress> servers) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("a swarm client needs at least one server");
        }
        this.servers = List.copyOf(servers);
        return this;
    }

    /** The export id of the model to run; by default the one export the servers host. */
    public SwarmClientBuilder optModel(String exportId) {
        this.model = Objects.requireNonNull(exportId, "exportId");
        return this;
    }

    /**
     * Runs the export in this directory (its id is computed from its manifest; the servers load their own copy).
     *
     * @throws LayerShuffleException if the directory's manifest cannot be read
     */
    public SwarmClientBuilder optModelDir(Path exportDir) {
        this.model = ExportId.of(exportDir);
        return this;
    }

    /** What to do when a block's server fails; default {@link FaultMode#SUBSTITUTE_OR_SKIP}. */
    public SwarmClientBuilder optFaultMode(FaultMode mode) {
        this.faultMode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** The time one request may take from plan to logits; default 5 s. */
    public SwarmClientBuilder optDeadline(Duration deadline) {
        this.deadline = positive(deadline, "deadline");
        return this;
    }

    /** The time one call to one server may take (capped by what is left of the deadline); default 1 s. */
    public SwarmClientBuilder optHopTimeout(Duration timeout) {
        this.hopTimeout = positive(timeout, "hopTimeout");
        return this;
    }

    /**
     * Calls per part before it is given up (skipped or failed, by the fault mode); also the number of backoff
     * waits when no server is up. Default 4.
     *
     * @throws IllegalArgumentException if below 1
     */
    public SwarmClientBuilder optMaxAttempts(int attempts) {
        if (attempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + attempts);
        }
        this.maxAttempts = attempts;
        return this;
    }

    /** The wait before the first retry when no server is up, doubling up to {@code max}; default 20 ms, 500 ms. */
    public SwarmClientBuilder optBackoff(Duration initial, Duration max) {
        this.backoffInitial = positive(initial, "backoff initial");
        this.backoffMax = atLeast(max, initial, "backoff max");
        return this;
    }

    /** How long a failed server is left out, doubling per failure in a row up to {@code max}; default 0.5 s, 15 s. */
    public SwarmClientBuilder optBan(Duration initial, Duration max) {
        this.banInitial = positive(initial, "ban initial");
        this.banMax = atLeast(max, initial, "ban max");
        return this;
    }

    /**
     * The fewest blocks that must run for a request to count; fewer fail it with
     * {@link SwarmException.Reason#TOO_FEW_BLOCKS}. Default 1.
     *
     * @throws IllegalArgumentException if below 1
     */
    public SwarmClientBuilder optMinBlocks(int blocks) {
        if (blocks < 1) {
            throw new IllegalArgumentException("minBlocks must be at least 1, was " + blocks);
        }
        this.minBlocks = blocks;
        return this;
    }

    /** Seeds the choice among servers that host a part (and backoff jitter). */
    public SwarmClientBuilder optSeed(long seed) {
        this.seed = seed;
        return this;
    }

    /** How long {@link #connect()} waits for each server's {@code Describe}; default 2 s. */
    public SwarmClientBuilder optConnectTimeout(Duration timeout) {
        this.connectTimeout = positive(timeout, "connectTimeout");
        return this;
    }

    /** TLS, a client certificate and a bearer token; default {@link ClientSecurity#plaintext()}. */
    public SwarmClientBuilder optSecurity(ClientSecurity security) {
        this.security = Objects.requireNonNull(security, "security");
        return this;
    }

    /** How outputs are checked against other servers; default {@link Verify#none()}. */
    public SwarmClientBuilder optVerify(Verify verify) {
        this.verify = Objects.requireNonNull(verify, "verify");
        return this;
    }

    /**
     * The relative tolerance within which two servers' outputs agree: {@code max |a - b| <= tolerance *
     * max(1, max |a|)}. Default {@value SwarmClient#DEFAULT_TOLERANCE}, see {@link SwarmClient#DEFAULT_TOLERANCE}.
     *
     * @throws IllegalArgumentException if not in (0, 1)
     */
    public SwarmClientBuilder optVerifyTolerance(double tolerance) {
        if (!(tolerance > 0 && tolerance < 1)) {
            throw new IllegalArgumentException("verify tolerance must be in (0, 1), was " + tolerance);
        }
        this.tolerance = tolerance;
        return this;
    }

    /**
     * How long a server outvoted by a majority ({@link Verify}) gets no traffic, not even a health probe; default
     * an hour. It is probed like any banned server afterwards, and caught again if it still lies.
     *
     * @throws IllegalArgumentException if not positive
     */
    public SwarmClientBuilder optLiarBan(Duration ban) {
        this.liarBan = positive(ban, "liarBan");
        return this;
    }

    /**
     * An export the client holds itself (the one it runs): {@link Verify} then recomputes hops on it in process
     * and trusts that over any server. {@code spot:P} recomputes a share P of the hops in process instead of on
     * another server; {@code replicate:K} recomputes a hop when its servers disagree or only one could run it.
     * A server that differs from the recompute is banned as a liar. Loaded with one ONNX Runtime thread; the
     * client closes it. Default: none, servers are checked against each other only.
     *
     * @throws NullPointerException if {@code exportDir} is null
     */
    public SwarmClientBuilder optLocalExport(Path exportDir) {
        return optLocalExport(exportDir, RuntimeOptions.builder().intraOpThreads(1).interOpThreads(1).build());
    }

    /**
     * As {@link #optLocalExport(Path)}, loaded with these ONNX Runtime options.
     *
     * @throws NullPointerException if an argument is null
     */
    public SwarmClientBuilder optLocalExport(Path exportDir, RuntimeOptions options) {
        this.localExport = Objects.requireNonNull(exportDir, "exportDir");
        this.localRuntime = Objects.requireNonNull(options, "options");
        return this;
    }

    /**
     * Adds a gRPC client interceptor to every channel (tracing, metadata); they run in the order added, before the
     * bearer token's.
     *
     * @throws NullPointerException if {@code interceptor} is null
     */
    public SwarmClientBuilder optInterceptor(ClientInterceptor interceptor) {
        interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
        return this;
    }

    /** How blocks are ordered and servers chosen; default {@link Routing#PLAN}. */
    public SwarmClientBuilder optRouting(Routing routing) {
        this.routing = Objects.requireNonNull(routing, "routing");
        return this;
    }

    /**
     * Anytime inference: a block runs only while it and then the head are expected (by the servers' smoothed
     * latencies) to be done within {@code budget} of the request's start; then the head runs. At least
     * {@link #optMinBlocks(int)} blocks run regardless. Default: none, every planned block runs.
     *
     * @throws IllegalArgumentException if not positive
     */
    public SwarmClientBuilder optBudget(Duration budget) {
        this.budget = positive(budget, "budget");
        return this;
    }

    /** The largest response read, in bytes; default 256 MiB. */
    public SwarmClientBuilder optMaxMessageBytes(int bytes) {
        if (bytes < 1024) {
            throw new IllegalArgumentException("maxMessageBytes must be at least 1024, was " + bytes);
        }
        this.maxMessageBytes = bytes;
        return this;
    }

    /**
     * Opens a channel to every server, asks each what it hosts, and picks the model.
     *
     * @throws IllegalStateException if no servers were given
     * @throws LayerShuffleException if the local export does not load or is another export than the one asked
     *                               for, no server answers, none hosts the model asked for (listing what they
     *                               host), no model was asked for and the servers host several, or servers
     *                               disagree about the model's config
     */
    public SwarmClient connect() {
        if (servers == null) {
            throw new IllegalStateException("call servers(...) before connect()");
        }
        ClientSettings settings = new ClientSettings(faultMode, deadline, hopTimeout, maxAttempts, backoffInitial,
                backoffMax, banInitial, banMax, minBlocks, verify, tolerance, routing, budget,
                liarBan);
        LocalExport local = null;
        if (localExport != null) {
            // loaded first: a client that cannot check as asked should not connect at all
            local = LocalExport.load(localExport, localRuntime);
            if (model != null && !model.equals(local.id())) {
                local.close();
                throw new LayerShuffleException("the local export " + localExport + " is export " + local.id()
                        + ", the client was asked to run export " + model);
            }
        }
        Connector.Connected c;
        try {
            c = Connector.connect(servers, local != null && model == null ? local.id() : model, security,
                    maxMessageBytes, connectTimeout, banInitial, banMax, List.copyOf(interceptors));
        } catch (RuntimeException e) {
            if (local != null) {
                local.close();
            }
            throw e;
        }
        SwarmClient client = new SwarmClient(c.peers(), c.model(), c.config(), settings, seed, local);
        client.logCoverage();
        return client;
    }

    private static Duration positive(Duration d, String what) {
        if (Objects.requireNonNull(d, what).isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive, was " + d);
        }
        return d;
    }

    private static Duration atLeast(Duration d, Duration min, String what) {
        if (Objects.requireNonNull(d, what).compareTo(min) < 0) {
            throw new IllegalArgumentException(what + " (" + d + ") must be at least the initial value (" + min
                    + ")");
        }
        return d;
    }
}
