package io.github.layershuffle.api;

/**
 * One transformer block, as a function of its input and the slot it runs in.
 *
 * <p>{@code position} is the 0-based slot of the current {@link ExecutionPlan}. Blocks trained with
 * LayerShuffle-position use it to look up their slot embedding; all other blocks ignore it.
 *
 * <pre>{@code
 * Block<float[]> addOne = (x, position) -> { float[] y = x.clone(); y[0] += 1; return y; };
 * }</pre>
 *
 * @param <T> the activation type: a DJL {@code NDList}, an ONNX Runtime tensor, a float array...
 */
@FunctionalInterface
public interface Block<T> {

    /**
     * Runs the block.
     *
     * @param input    tokens {@code [batch, T, D]} in whatever representation {@code T} is
     * @param position the 0-based slot this block runs in
     * @return the block output, same shape as the input
     */
    T apply(T input, int position);
}
