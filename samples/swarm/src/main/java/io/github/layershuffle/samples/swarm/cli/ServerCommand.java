package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.onnx.signing.ExportKeys;
import io.github.layershuffle.samples.swarm.security.ServerSecurity;
import io.github.layershuffle.samples.swarm.server.BlockServer;
import io.github.layershuffle.samples.swarm.server.Parts;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code swarm server}: hosts parts of one or more exports until stopped (SIGTERM or Ctrl-C). */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Run a block server until stopped.",
        footer = {"", "Example: swarm server --host exports/shuffle=stem,head,0-5 --port 50051 \\",
            "          --tls-cert server.pem --tls-key server.key --require-client-cert --tls-ca ca.pem",
            "         swarm server --host exports/shuffle --plaintext      (127.0.0.1 only)"})
final class ServerCommand implements Callable<Integer> {

    @Option(names = "--host", required = true, paramLabel = "DIR[=PARTS]",
            description = "An export directory and the parts of it to host: all (default), or a comma list of "
                    + "stem, head, blocks (all blocks), indices and ranges a-b. Repeat for more exports of the "
                    + "same family.")
    List<String> hosts;

    @Option(names = {"--bind", "--address"}, paramLabel = "ADDRESS",
            description = "Address to bind. Default: 0.0.0.0 (every interface) with TLS, 127.0.0.1 with --plaintext.")
    String address;

    @Option(names = "--require-client-cert",
            description = "Mutual TLS: refuse clients without a certificate signed by --tls-ca.")
    boolean requireClientCert;

    @Mixin
    SecurityOptions security;

    @Option(names = "--port", defaultValue = "50051", description = "Port; 0 picks a free one. Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--name", description = "Name reported to clients; default host:port.")
    String name;

    @Option(names = "--max-batch", defaultValue = "256", description = "Largest batch accepted. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--require-signature", paramLabel = "PUBLIC.pem",
            description = "Host only exports signed (manifest.json.sig) by one of these Ed25519 public keys "
                    + "(layershuffle keygen); repeatable.")
    List<Path> signatureKeys = List.of();

    @Option(names = "--ort-threads", defaultValue = "0",
            description = "ONNX Runtime intra-op threads per session; 0 lets it choose. Default: ${DEFAULT-VALUE}.")
    int ortThreads;

    /** {@code --bind} if given, else every interface under TLS and loopback only for plaintext. */
    static String bindAddress(String given, ServerSecurity security) {
        return given != null ? given : security.isPlaintext() ? "127.0.0.1" : "0.0.0.0";
    }

    /** The sessions' options: thread count, and the keys one of which must have signed every hosted export. */
    static RuntimeOptions runtimeOptions(int ortThreads, List<Path> signatureKeys) {
        RuntimeOptions.Builder r = RuntimeOptions.builder().intraOpThreads(ortThreads);
        if (!signatureKeys.isEmpty()) {
            r.requireSignature(signatureKeys.stream().map(ExportKeys::readPublicKey).toArray(PublicKey[]::new));
        }
        return r.build();
    }

    @Override
    public Integer call() throws InterruptedException {
        ServerSecurity sec = security.server(requireClientCert);
        String bind = bindAddress(address, sec);
        BlockServer.Builder b = BlockServer.builder().optAddress(bind).optPort(port).optMaxBatch(maxBatch)
                .optSecurity(sec).optRuntimeOptions(runtimeOptions(ortThreads, signatureKeys));
        if (name != null) {
            b.optName(name);
        }
        for (String h : hosts) {
            int eq = h.lastIndexOf('=');
            Path dir = Path.of(eq < 0 ? h : h.substring(0, eq));
            b.host(dir, eq < 0 ? Parts.all() : Parts.parse(h.substring(eq + 1)));
        }
        BlockServer server = b.start();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "swarm-server-shutdown"));
        System.out.println("serving on " + server.target() + " as " + server.name() + ", " + sec);
        server.hosted().forEach(line -> System.out.println("  " + line));
        server.awaitTermination();
        return 0;
    }
}
