package io.github.layershuffle.cli;

import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.onnx.export.OnnxExporter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code layershuffle export CHECKPOINT OUT}: writes the per-block ONNX export directory of a checkpoint. */
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

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        Checkpoint ckpt = Checkpoint.read(checkpoint);
        long start = System.nanoTime();
        Path dir = OnnxExporter.builder().optFullModel(full).optOverwrite(overwrite).build().export(ckpt, out);
        Table table = new Table("export", "checkpoint", "variant", "blocks", "width", "directory", "seconds");
        table.row(checkpoint, ckpt.config().variant(), ckpt.config().depth(), ckpt.config().width(), dir,
                String.format("%.1f", (System.nanoTime() - start) / 1e9));
        table.print(stdout);
        return 0;
    }
}
