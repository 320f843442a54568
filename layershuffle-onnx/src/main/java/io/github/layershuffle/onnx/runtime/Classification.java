package io.github.layershuffle.onnx.runtime;

/**
 * One class of a {@link Prediction#topK(int, int) top-k} list.
 *
 * @param index       the class index in {@code [0, classes)}
 * @param label       the class name from the config's labels, or {@code "class <index>"}
 * @param probability the softmax probability
 * @param logit       the raw logit
 */
public record Classification(int index, String label, float probability, float logit) {

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%s (%d): %.4f", label, index, probability);
    }
}
