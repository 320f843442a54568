package io.github.layershuffle.train.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.train.model.Initialization;
import io.github.layershuffle.train.model.VisionTransformer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Moves weights between a DJL {@link VisionTransformer} and the framework-neutral api {@link Checkpoint}.
 *
 * <pre>{@code
 * Checkpoint start = ModelCheckpoints.fresh(config, 42);                 // a new family
 * try (NDManager manager = NDManager.newBaseManager()) {
 *     VisionTransformer vit = ModelCheckpoints.newModel(start, manager);
 *     // ... train ...
 *     ModelCheckpoints.save(vit, start.family(), Map.of("epoch", "3"), Path.of("model.safetensors"));
 *     VisionTransformer again = ModelCheckpoints.load(Path.of("model.safetensors"), manager);
 * }
 * }</pre>
 */
public final class ModelCheckpoints {
    private ModelCheckpoints() {
    }

    /** A fresh model of {@code config}: {@link Initialization} values of {@code seed}, a new family. */
    public static Checkpoint fresh(ModelConfig config, long seed) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("seed", Long.toString(seed));
        meta.put("source", "initialization");
        return new Checkpoint(config, Checkpoint.newFamily(), meta, Initialization.tensors(config, seed));
    }

    /**
     * A model with the config and weights of {@code checkpoint}, its parameters in {@code manager} (on the
     * manager's device).
     */
    public static VisionTransformer newModel(Checkpoint checkpoint, NDManager manager) {
        Objects.requireNonNull(checkpoint, "checkpoint");
        VisionTransformer vit = VisionTransformer.create(checkpoint.config(), 0);
        // every value is overwritten below; zeros are cheaper than drawing the seeded initial values
        vit.setInitializer(Initializer.ZEROS, p -> true);
        vit.initialize(manager, DataType.FLOAT32, vit.inputShape(1));
        restore(vit, checkpoint);
        return vit;
    }

    /**
     * Reads a checkpoint file into a new model.
     *
     * @throws LayerShuffleException naming the file and the tensor or field at fault
     */
    public static VisionTransformer load(Path file, NDManager manager) {
        return newModel(Checkpoint.read(file), manager);
    }

    /**
     * Overwrites every parameter of {@code model} with the tensor of the same name.
     *
     * @throws LayerShuffleException naming the first tensor that is missing, unexpected or has the wrong
     *                               shape for the model
     */
    public static void restore(VisionTransformer model, Checkpoint checkpoint) {
        Map<String, Parameter> params = model.namedParameters();
        for (String name : checkpoint.tensors().keySet()) {
            if (!params.containsKey(name)) {
                throw new LayerShuffleException("checkpoint tensor '" + name + "' has no place in a "
                        + model.config().variant() + " model of depth " + model.config().depth());
            }
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Tensor t = checkpoint.tensors().get(e.getKey());
            if (t == null) {
                throw new LayerShuffleException("checkpoint lacks tensor '" + e.getKey() + "' the model needs");
            }
            NDArray array = e.getValue().getArray();
            long[] want = array.getShape().getShape();
            if (!Arrays.equals(want, t.shape())) {
                throw new LayerShuffleException("checkpoint tensor '" + e.getKey() + "' has shape "
                        + Arrays.toString(t.shape()) + ", the model needs " + Arrays.toString(want));
            }
            array.set(t.data());
        }
    }

    /**
     * Writes the model's current weights, config, family and metadata to {@code file} atomically (a crash
     * leaves the previous file, never half of the new one).
     *
     * @return the checkpoint written
     * @throws LayerShuffleException if the file cannot be written
     */
    public static Checkpoint save(VisionTransformer model, String family, Map<String, String> metadata, Path file) {
        Checkpoint checkpoint = capture(model, family, metadata);
        checkpoint.write(file);
        return checkpoint;
    }

    /**
     * The model's current weights as a checkpoint of {@code family} (copied to the host).
     *
     * @throws IllegalStateException if the model is not initialised
     */
    public static Checkpoint capture(VisionTransformer model, String family, Map<String, String> metadata) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            if (!e.getValue().isInitialized()) {
                throw new IllegalStateException("parameter " + e.getKey() + " is not initialised");
            }
            NDArray array = e.getValue().getArray();
            tensors.put(e.getKey(), new Tensor(e.getKey(), array.getShape().getShape(), array.toFloatArray()));
        }
        return new Checkpoint(model.config(), family, metadata, tensors);
    }
}
