package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.samples.swarm.client.Hop.Stage;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import io.github.layershuffle.samples.swarm.wire.Activations;
import io.github.layershuffle.samples.swarm.wire.ExportId;
import io.github.layershuffle.samples.swarm.wire.PartRunner;
import java.nio.file.Path;

/**
 * An export the client holds itself, loaded with {@link LayerShuffleModel}: {@link Verify} recomputes hops on it in
 * process to check the servers, and trusts it over any of them.
 */
final class LocalExport implements AutoCloseable {
    /** The largest batch recomputed; the client sends one request's batch per hop. */
    private static final int MAX_BATCH = 4096;

    private final Path dir;
    private final String id;
    private final LayerShuffleModel model;
    private final PartRunner runner;

    private LocalExport(Path dir, String id, LayerShuffleModel model) {
        this.dir = dir;
        this.id = id;
        this.model = model;
        this.runner = new PartRunner(model, MAX_BATCH);
    }

    /**
     * Loads the export in {@code dir}.
     *
     * @throws LayerShuffleException if its manifest cannot be read or it does not load
     */
    static LocalExport load(Path dir, RuntimeOptions options) {
        String id = ExportId.of(dir);
        return new LocalExport(dir, id, LayerShuffleModel.load(dir, options));
    }

    /** Its export id. */
    String id() {
        return id;
    }

    Path dir() {
        return dir;
    }

    /**
     * Runs the part in process.
     *
     * @throws IllegalArgumentException if the input does not fit the model
     * @throws LayerShuffleException    if ONNX Runtime fails
     */
    Reply run(Stage stage, int block, int slot, Tensor input, long[] expected, int batch) {
        long t0 = System.nanoTime();
        Tensor out = switch (stage) {
            case STEM -> runner.stem(input);
            case BLOCK -> runner.block(block, slot, input);
            case HEAD -> runner.head(input);
        };
        String part = stage == Stage.BLOCK ? "block " + block : stage.name().toLowerCase(java.util.Locale.ROOT);
        return new Reply(null, out, Activations.decode(out, part + " recomputed in process", expected, batch).data(),
                (System.nanoTime() - t0) / 1_000);
    }

    @Override
    public void close() {
        model.close();
    }

    @Override
    public String toString() {
        return "local export " + id + " (" + dir + ")";
    }
}
