package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.samples.swarm.bench.BenchOptions;
import io.github.layershuffle.samples.swarm.bench.BenchResult;
import io.github.layershuffle.samples.swarm.bench.BenchRun;
import io.github.layershuffle.samples.swarm.bench.FaultSchedule;
import io.github.layershuffle.samples.swarm.bench.Misbehaviour;
import io.github.layershuffle.samples.swarm.bench.Misconduct;
import io.github.layershuffle.samples.swarm.client.SwarmClient;
import io.github.layershuffle.samples.swarm.client.SwarmClientBuilder;
import io.github.layershuffle.samples.swarm.client.Verify;
import io.github.layershuffle.samples.swarm.data.LabeledImages;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code swarm bench}: each export through its own swarm on 127.0.0.1 under the same seeded kill/restart schedule,
 * then one table comparing them.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Classify Fashion-MNIST test images through block servers on 127.0.0.1 while killing and "
                + "restarting them, slowing some and making some lie, on a seeded schedule; compare exports under "
                + "the same faults.",
        footer = {"", "Example: swarm bench exports/shuffle exports/baseline --servers 4 --replicas 2 --images 2000"})
final class BenchCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "EXPORT_DIR",
            description = "Export directories, e.g. a LayerShuffle model and a baseline.")
    List<Path> exports;

    @Option(names = "--servers", defaultValue = "4", description = "Block servers. Default: ${DEFAULT-VALUE}.")
    int servers;

    @Option(names = "--replicas", defaultValue = "2",
            description = "Servers per block (every server hosts stem and head). Default: ${DEFAULT-VALUE}.")
    int replicas;

    @Option(names = "--images", defaultValue = "1000", description = "Test images, from the first. Default: ${DEFAULT-VALUE}.")
    int images;

    @Option(names = "--batch", defaultValue = "8", description = "Images per request. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--concurrency", defaultValue = "4", description = "Requests in flight. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Option(names = "--time-limit", defaultValue = "300",
            description = "Seconds per export after which no request is dispatched. Default: ${DEFAULT-VALUE}.")
    long timeLimit;

    @Option(names = "--kill-every", defaultValue = "20",
            description = "Mean requests between kills; 0 for no faults. Default: ${DEFAULT-VALUE}.")
    int killEvery;

    @Option(names = "--down-for", defaultValue = "30",
            description = "Mean requests a killed server stays down. Default: ${DEFAULT-VALUE}.")
    int downFor;

    @Option(names = "--min-up", defaultValue = "1", description = "Never kill below this many servers up. Default: ${DEFAULT-VALUE}.")
    int minUp;

    @Option(names = "--seed", defaultValue = "7", description = "Seeds the schedule and server choice. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--ort-threads", defaultValue = "1",
            description = "ONNX Runtime threads per session on each server. Default: ${DEFAULT-VALUE}.")
    int ortThreads;

    @Option(names = "--warmup", defaultValue = "8",
            description = "Requests run first with every server up, not measured. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--slow", defaultValue = "0",
            description = "Servers (drawn from --seed) that add --slow-ms to every call. Default: ${DEFAULT-VALUE}.")
    int slow;

    @Option(names = "--slow-ms", defaultValue = "5",
            description = "Latency a slow server adds per call, in ms. Default: ${DEFAULT-VALUE}.")
    double slowMs;

    @Option(names = "--lie-every", defaultValue = "0",
            description = "Mean requests between lying spells (a server drawn from --seed lies about its blocks' "
                    + "outputs for --lie-for requests); 0 for none. Default: ${DEFAULT-VALUE}.")
    int lieEvery;

    @Option(names = "--lie-for", defaultValue = "10", description = "Requests a spell lasts. Default: ${DEFAULT-VALUE}.")
    int lieFor;

    @Option(names = "--lies", defaultValue = "scale,noise,other-block", split = ",",
            description = "How liars lie: scale (x1.1), noise (1% Gaussian), other-block. Default: ${DEFAULT-VALUE}.")
    List<String> lies;

    @Option(names = "--liar-ban-ms", defaultValue = "1000",
            description = "How long the client bans a server caught lying. Default: ${DEFAULT-VALUE}.")
    long liarBanMs;

    @Option(names = "--verify-in-process",
            description = "The bench's client holds the export it runs (--local-export of classify): --verify recomputes hops in process.")
    boolean inProcess;

    @Option(names = "--mixed-threads",
            description = "Odd servers run one ONNX Runtime thread more (measures honest disagreement).")
    boolean mixedThreads;

    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Directory of t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz. Default: ${DEFAULT-VALUE}.")
    Path data;

    @Mixin
    PolicyOptions policy;

    @Mixin
    FaultOptions faults;

    @Override
    public Integer call() {
        BenchOptions options = new BenchOptions(servers, replicas, images, batch, concurrency,
                Duration.ofSeconds(timeLimit), faults.mode(), faults.deadline(), faults.hopTimeout(), seed, ortThreads, warmup);
        LabeledImages test = LabeledImages.read(data, "t10k");
        FaultSchedule schedule = killEvery == 0 ? FaultSchedule.none(servers)
                : FaultSchedule.generate(seed, servers, options.requests(), killEvery, downFor, minUp);
        System.out.printf(Locale.ROOT, "%d images in %d requests of %d, %d servers on 127.0.0.1 (%d per block), "
                        + "policy %s, fault mode %s, deadline %d ms, hop timeout %d ms%n",
                Math.min(images, test.size()), options.requests(), batch, servers, replicas, policy.describe(),
                options.faultMode(), faults.deadlineMs, faults.hopTimeoutMs);
        System.out.printf(Locale.ROOT, "fault schedule (seed %d): %d kills %s%n", seed, schedule.kills(),
                schedule.events().size() <= 12 ? schedule.events() : schedule.events().subList(0, 12) + "...");
        Misconduct misconduct = Misconduct.generate(seed, servers, options.requests(), slow,
                Math.round(slowMs * 1000), lieEvery, lieFor, lies.stream().map(Misbehaviour.Lie::parse).toList());
        Verify verify = faults.verifyMode();
        Duration budget = faults.budget();
        System.out.printf(Locale.ROOT, "misconduct: %s; verify %s%s (tolerance %s), routing %s%s%n", misconduct, verify,
                inProcess ? " in process" : "",
                faults.tolerance, policy.routing(), budget == null ? "" : ", budget " + faults.budget);
        Function<Path, Consumer<SwarmClientBuilder>> setupFor = export -> b -> {
            if (inProcess) {
                b.optLocalExport(export);
            }
            b.optVerify(verify).optVerifyTolerance(faults.tolerance).optRouting(policy.routing())
                    .optLiarBan(Duration.ofMillis(liarBanMs));
            if (budget != null) {
                b.optBudget(budget);
            }
        };
        List<BenchResult> results = new ArrayList<>();
        for (Path export : exports) {
            System.out.println("running " + export + " ...");
            AtomicInteger shown = new AtomicInteger();
            int total = options.requests();
            BenchResult r = BenchRun.run(export, test, policy.policy(), options, schedule, misconduct, setupFor.apply(export),
                    mixedThreads, done -> {
                int tenth = done * 10 / Math.max(1, total);
                if (tenth > shown.get() && shown.getAndSet(tenth) < tenth) {
                    System.err.printf(Locale.ROOT, "  %d%% (%d/%d requests)%n", tenth * 10, done, total);
                }
            });
            results.add(r);
        }
        print(results);
        boolean lost = results.stream().anyMatch(r -> r.answered() + r.failed() != r.dispatched());
        return lost ? 1 : 0;
    }

    private static void print(List<BenchResult> results) {
        String fmt = "%-26s";
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, fmt, ""));
        results.forEach(r -> header.append(String.format(Locale.ROOT, " %22s", shorten(r.export()))));
        System.out.println();
        System.out.println(header);
        row("variant", results, r -> r.variant());
        row("requests dispatched", results, r -> String.valueOf(r.dispatched()));
        row("  answered", results, r -> String.valueOf(r.answered()));
        row("  failed", results, r -> r.failed() + (r.failures().isEmpty() ? "" : " " + r.failures()));
        row("  left out (time limit)", results, r -> String.valueOf(r.notDispatched()));
        row("accuracy (answered)", results, r -> String.format(Locale.ROOT, "%.2f%% of %d", 100 * r.accuracy(),
                r.images()));
        row("accuracy (failed = wrong)", results, r -> String.format(Locale.ROOT, "%.2f%%",
                100 * r.accuracyCountingFailures()));
        row("latency p50 / p90 ms", results, r -> String.format(Locale.ROOT, "%.1f / %.1f", r.latencyMillis()[0],
                r.latencyMillis()[1]));
        row("latency p99 / max ms", results, r -> String.format(Locale.ROOT, "%.1f / %.1f", r.latencyMillis()[2],
                r.latencyMillis()[3]));
        row("blocks run mean [min,max]", results, r -> String.format(Locale.ROOT, "%.2f [%d,%d]", r.blocksMean(),
                r.blocksMin(), r.blocksMax()));
        row("blocks skipped", results, r -> String.valueOf(r.skippedBlocks()));
        row("failed calls", results, r -> String.valueOf(r.failedHops()));
        row("lies told (server count)", results, r -> String.valueOf(r.lies().told()));
        row("lies delivered", results, r -> String.valueOf(r.lies().delivered()));
        row("  caught / flagged", results, r -> r.lies().caught() + " / " + r.lies().flagged());
        row("  missed: checked/alone/not", results, r -> r.lies().passedCheck() + " / " + r.lies().unverified()
                + " / " + r.lies().unchecked());
        row("detected of verifiable", results, r -> String.format(Locale.ROOT, "%.1f%% of %d",
                100 * r.lies().detectionRate(), r.lies().verifiable()));
        row("detected of delivered", results, r -> String.format(Locale.ROOT, "%.1f%% of %d",
                100 * r.lies().detectionRateOfDelivered(), r.lies().delivered()));
        row("verification calls / req", results, r -> String.format(Locale.ROOT, "%.2f",
                (double) r.verificationCalls() / Math.max(1, r.dispatched())));
        row("unverified hops (one host)", results, r -> String.valueOf(r.unverifiedHops()));
        row("agreeing outputs max diff", results, r -> String.format(Locale.ROOT, "%.3g", r.agreedMaxDifference()));
        row("stopped by the budget", results, r -> String.valueOf(r.budgetStops()));
        row("kills / restarts", results, r -> r.kills() + " / " + r.restarts()
                + (r.restartFailures() > 0 ? " (" + r.restartFailures() + " failed)" : ""));
        row("wall time s", results, r -> String.format(Locale.ROOT, "%.1f", r.wall().toMillis() / 1000.0));
    }

    private static void row(String name, List<BenchResult> results, Function<BenchResult, String> f) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-26s", name));
        results.forEach(r -> line.append(String.format(Locale.ROOT, " %22s", f.apply(r))));
        System.out.println(line);
    }

    private static String shorten(String path) {
        return path.length() <= 22 ? path : "..." + path.substring(path.length() - 19);
    }
}
