package io.github.layershuffle.cli;

import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.signing.ExportKeys;
import io.github.layershuffle.onnx.signing.ExportSignature;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code layershuffle export CHECKPOINT OUT [--sign KEY.pem]}: writes the per-block ONNX export directory of a
 * checkpoint, optionally signed.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = {"Export a checkpoint as ONNX: stem.onnx, one block-NN.onnx per block, head.onnx and "
                + "manifest.json (docs/FORMATS.md), loadable by layershuffle-onnx's LayerShuffleModel.",
            "The directory is written under a temporary name and renamed into place when complete."})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "A layershuffle checkpoint (.safetensors).")
    Path checkpoint;

    @Parameters(index = "1", paramLabel = "OUT", description = "The export directory to create.")
    Path out;

    @Option(names = "--full", description = "Also write model.onnx, the whole model in sequential order.")
    boolean full;

    @Option(names = "--overwrite", description = "Replace OUT if it is an existing export directory.")
    boolean overwrite;

    @Option(names = "--sign", paramLabel = "KEY.pem",
            description = "Sign the export with this Ed25519 private key (PKCS#8 PEM, e.g. from 'layershuffle "
                    + "keygen'): writes manifest.json.sig, the signature of the manifest, which lists every file's "
                    + "SHA-256.")
    Path signingKey;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        PrivateKey key = signingKey == null ? null : ExportKeys.readPrivateKey(signingKey);
        Checkpoint ckpt = Checkpoint.read(checkpoint);
        long start = System.nanoTime();
        OnnxExporter.Builder exporter = OnnxExporter.builder().optFullModel(full).optOverwrite(overwrite);
        if (key != null) {
            exporter.optSigningKey(key);
        }
        Path dir = exporter.build().export(ckpt, out);
        Table table = new Table("export", "checkpoint", "variant", "blocks", "width", "directory", "signature",
                "seconds");
        table.row(checkpoint, ckpt.config().variant(), ckpt.config().depth(), ckpt.config().width(), dir,
                key == null ? "-" : ExportSignature.FILE_NAME,
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
        table.print(stdout);
        return 0;
    }
}
