package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.samples.swarm.client.Hop;
import io.github.layershuffle.samples.swarm.client.ServerAddress;
import io.github.layershuffle.samples.swarm.client.SwarmClient;
import io.github.layershuffle.samples.swarm.client.SwarmClientBuilder;
import io.github.layershuffle.samples.swarm.client.SwarmException;
import io.github.layershuffle.samples.swarm.client.SwarmResult;
import io.github.layershuffle.samples.swarm.data.LabeledImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code swarm classify}: Fashion-MNIST test images through running block servers, one line per request. */
@Command(name = "classify", mixinStandardHelpOptions = true,
        description = "Classify test images through running block servers and show the route of each request.",
        footer = {"", "Example: swarm classify --servers 127.0.0.1:50051,127.0.0.1:50052 --plaintext --policy random --count 4",
            "         swarm classify --servers swarm-0.swarm:50051 --tls-ca ca.pem --verify replicate:2 --policy adaptive"})
final class ClassifyCommand implements Callable<Integer> {

    static final class Servers {
        @Option(names = "--servers", paramLabel = "HOST:PORT,...", description = "The block servers.")
        String list;

        @Option(names = "--servers-file", paramLabel = "FILE",
                description = "A file with one HOST:PORT per line (# comments).")
        Path file;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Servers servers;

    @Option(names = "--resolve-all", description = "Use every IP address each host name resolves to (a Kubernetes "
            + "headless Service).")
    boolean resolveAll;

    @Option(names = "--model", paramLabel = "DIR|ID",
            description = "The export to run: its directory or its id; default the one the servers host.")
    String model;

    @Option(names = "--data", defaultValue = "/usr/share/datasets/fashion-mnist",
            description = "Directory of the IDX files. Default: ${DEFAULT-VALUE}.")
    Path data;

    @Option(names = "--set", defaultValue = "t10k", description = "t10k (test) or train. Default: ${DEFAULT-VALUE}.")
    String set;

    @Option(names = "--first", defaultValue = "0", description = "First image. Default: ${DEFAULT-VALUE}.")
    int first;

    @Option(names = "--count", defaultValue = "8", description = "Images. Default: ${DEFAULT-VALUE}.")
    int count;

    @Option(names = "--batch", defaultValue = "1", description = "Images per request. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seed", defaultValue = "1", description = "Seeds the choice among servers. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--local-export", paramLabel = "DIR",
            description = "An export the client holds itself (the one it runs): --verify recomputes hops on it in process and bans a server that differs (spot:P: a share P of the hops; replicate:K: hops whose servers disagree or that one server alone could run).")
    Path localExport;

    @Option(names = "--health", description = "Print each server's gRPC health status first.")
    boolean health;

    @Mixin
    PolicyOptions policy;

    @Mixin
    FaultOptions faults;

    @Mixin
    SecurityOptions security;

    @Override
    public Integer call() {
        List<ServerAddress> addresses = servers.file != null ? ServerAddress.read(servers.file)
                : ServerAddress.parseList(servers.list);
        if (resolveAll) {
            addresses = ServerAddress.resolveAll(addresses);
        }
        LabeledImages images = LabeledImages.read(data, set);
        SwarmClientBuilder b = SwarmClient.builder().servers(addresses).optFaultMode(faults.mode())
                .optDeadline(faults.deadline()).optHopTimeout(faults.hopTimeout()).optSeed(seed)
                .optSecurity(security.client()).optVerify(faults.verifyMode()).optVerifyTolerance(faults.tolerance)
                .optRouting(policy.routing());
        if (faults.budget() != null) {
            b.optBudget(faults.budget());
        }
        if (localExport != null) {
            b.optLocalExport(localExport);
        }
        if (model != null) {
            if (Files.isDirectory(Path.of(model))) {
                b.optModelDir(Path.of(model));
            } else {
                b.optModel(model);
            }
        }
        int end = Math.min(images.size(), first + count);
        int answered = 0;
        int failed = 0;
        int right = 0;
        int total = 0;
        try (SwarmClient client = b.connect()) {
            ModelConfig c = client.config();
            System.out.printf(Locale.ROOT, "model %s (%s, %d blocks) on %d servers, policy %s, fault mode %s, "
                    + "verify %s%s%n", client.model(), c.variant(), c.depth(), addresses.size(), policy.describe(),
                    client.faultMode(), faults.verifyMode(), faults.budget() == null ? "" : ", budget " + faults.budget);
            if (health) {
                client.health(Duration.ofSeconds(1)).forEach((a, s) -> System.out.println("  " + a + " " + s));
            }
            ExecutionPolicy p = policy.policy();
            for (int from = first; from < end; from += batch) {
                int to = Math.min(end, from + batch);
                total += to - from;
                float[] pixels = images.pixels(from, to, c.channels());
                long[] shape = {to - from, c.channels(), c.imageSize(), c.imageSize()};
                try {
                    SwarmResult r = client.classify(pixels, shape, p);
                    answered++;
                    int[] predicted = r.predictedClasses();
                    StringBuilder labels = new StringBuilder();
                    for (int i = 0; i < predicted.length; i++) {
                        int truth = images.label(from + i);
                        right += predicted[i] == truth ? 1 : 0;
                        labels.append(i > 0 ? ", " : "").append(client.labels().get(predicted[i]))
                                .append(predicted[i] == truth ? "" : " (truth " + client.labels().get(truth) + ")");
                    }
                    System.out.printf(Locale.ROOT, "#%d-%d %s | planned %s ran %s | %s | %.1f ms%n", from, to - 1,
                            labels, r.planned(), r.ran(), r.route(), r.elapsed().toNanos() / 1e6);
                    r.mismatches().forEach(m -> System.out.println("    mismatch " + m));
                    if (r.budgetStopped()) {
                        System.out.println("    budget: " + r.ran().size() + " of " + r.planned().size()
                                + " blocks ran");
                    }
                    if (r.failedHops() > 0 || !r.skipped().isEmpty()) {
                        r.hops().stream().filter(h -> h.outcome() == Hop.Outcome.FAILED
                                        || h.outcome() == Hop.Outcome.SKIPPED)
                                .forEach(h -> System.out.println("    " + h));
                    }
                } catch (SwarmException e) {
                    failed++;
                    System.out.printf(Locale.ROOT, "#%d-%d FAILED %s%n", from, to - 1, e.getMessage());
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d requests: %d answered, %d failed; accuracy %d/%d (%.2f%%) of all images%n",
                answered + failed, answered, failed, right, total, total == 0 ? 0.0 : 100.0 * right / total);
        return failed == 0 ? 0 : 1;
    }
}
