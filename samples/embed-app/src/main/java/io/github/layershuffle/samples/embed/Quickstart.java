package io.github.layershuffle.samples.embed;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.Prediction;
import java.nio.file.Path;
import java.util.List;

/**
 * The whole of embedding a LayerShuffle model, as the README shows it: load an export, classify one image under a
 * policy, print the plan that ran and the top 3 classes. Run: {@code Quickstart EXPORT_DIR IMAGE}.
 */
public final class Quickstart {

    private Quickstart() {
    }

    /**
     * Classifies one image.
     *
     * @param args the export directory and an image file
     */
    public static void main(String[] args) {
        // --8<-- [start:quickstart]
        try (LayerShuffleModel model = LayerShuffleModel.load(Path.of(args[0]))) {
            ExecutionPolicy policy = ExecutionPolicy.random(42).keep(6);   // six blocks, in a random order
            Prediction p = model.predict(List.of(Path.of(args[1])), policy);
            System.out.println("plan " + p.plan() + ": " + p.topK(0, 3));
        }
        // --8<-- [end:quickstart]
    }
}
