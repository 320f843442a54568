package io.github.layershuffle.cli;

import io.github.layershuffle.onnx.signing.ExportKeys;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code layershuffle keygen --out DIR}: makes an Ed25519 key pair for signing exports, as PEM files. */
@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = {"Make an Ed25519 key pair for signing exports: NAME.pem, the private key (PKCS#8, readable "
                + "by its owner only), and NAME.pub.pem, the public key (X.509) that hosts trust with "
                + "RuntimeOptions.requireSignature.",
            "Existing key files are never replaced. Sign with 'layershuffle export --sign DIR/NAME.pem'."})
final class KeygenCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "The directory for the key files.")
    Path out;

    @Option(names = "--name", paramLabel = "NAME", defaultValue = "signing-key",
            description = "The key files' base name (default: ${DEFAULT-VALUE}).")
    String name;

    @Override
    public Integer call() {
        if (name.isBlank() || name.contains("/") || name.contains("\\") || name.startsWith(".")) {
            throw new IllegalArgumentException("--name must be a plain file name, was '" + name + "'");
        }
        Path privateFile = out.resolve(name + ".pem");
        Path publicFile = out.resolve(name + ".pub.pem");
        for (Path f : new Path[] {privateFile, publicFile}) {
            if (Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
                throw new IllegalArgumentException("key file " + f + " already exists; refusing to replace a key "
                        + "(choose another --out or --name)");
            }
        }
        KeyPair pair = ExportKeys.generate();
        ExportKeys.writePrivateKey(pair.getPrivate(), privateFile);
        ExportKeys.writePublicKey(pair.getPublic(), publicFile);
        Table table = new Table("keygen", "private key", "public key", "fingerprint (SHA-256)");
        table.row(privateFile, publicFile, ExportKeys.fingerprint(pair.getPublic()));
        table.print(spec.commandLine().getOut());
        return 0;
    }
}
