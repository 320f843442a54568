package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code swarm random-export}: an untrained Fashion-MNIST-shaped export, to try servers and the bench. */
@Command(name = "random-export", mixinStandardHelpOptions = true,
        description = "Export an untrained model with random weights (28x28 grey, 10 classes): its answers are "
                + "chance, everything else is real.")
final class RandomExportCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR", description = "The export directory to create.")
    Path dir;

    @Option(names = "--variant", defaultValue = "layershuffle",
            description = "baseline, layerdrop, layershuffle, layershuffle-position or layershuffle-predict. "
                    + "Default: ${DEFAULT-VALUE}.")
    String variant;

    @Option(names = "--depth", defaultValue = "12", description = "Blocks. Default: ${DEFAULT-VALUE}.")
    int depth;

    @Option(names = "--width", defaultValue = "32", description = "Token width. Default: ${DEFAULT-VALUE}.")
    int width;

    @Option(names = "--heads", defaultValue = "2", description = "Attention heads. Default: ${DEFAULT-VALUE}.")
    int heads;

    @Option(names = "--family", description = "Family id; default a fresh one. Give two exports one family to "
            + "host them on one server.")
    String family;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the weights. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public Integer call() {
        ModelConfig config = RandomExports.fashionConfig(Variant.fromId(variant), depth, width, heads);
        Path out = RandomExports.export(config, family != null ? family : Checkpoint.newFamily(), seed, dir);
        System.out.println("exported a random " + config.variant() + " model (" + depth + " blocks, width " + width
                + ") to " + out);
        return 0;
    }
}
