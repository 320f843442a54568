package io.github.layershuffle.onnx.image;

import java.nio.FloatBuffer;

/**
 * A batch of images as the pixels a LayerShuffle export takes: {@code [batch, channels, size, size]} floats in
 * [0, 1], row-major, in one direct buffer in native byte order. ONNX Runtime reads such a buffer in place, so
 * {@code LayerShuffleModel.predict(batch, policy)} makes its input tensor without copying the pixels again.
 *
 * <pre>{@code
 * PixelBatch batch = ImageInput.of(model.config()).read(List.of(Path.of("shoe.png")));
 * Prediction p = model.predict(batch, ExecutionPolicy.random(7));
 * }</pre>
 *
 * <p>The values may be changed through {@link #buffer()}; the batch is not thread-safe while they are.
 */
public final class PixelBatch {
    private final FloatBuffer pixels;
    private final int batch;
    private final int channels;
    private final int size;

    PixelBatch(FloatBuffer pixels, int batch, int channels, int size) {
        this.pixels = pixels;
        this.batch = batch;
        this.channels = channels;
        this.size = size;
    }

    /** The number of images. */
    public int size() {
        return batch;
    }

    /** The shape, {@code [batch, channels, size, size]}; a fresh array. */
    public long[] shape() {
        return new long[] {batch, channels, size, size};
    }

    /**
     * The pixels: a new view of the batch's direct buffer, native byte order, position 0, {@code remaining()} the
     * product of {@link #shape()}. Values written through it change the batch.
     */
    public FloatBuffer buffer() {
        return pixels.duplicate().clear();
    }

    /** The pixels as {@code [batch][channels][size][size]}, a copy. */
    public float[][][][] toArray() {
        float[][][][] out = new float[batch][channels][size][size];
        FloatBuffer b = buffer();
        for (float[][][] image : out) {
            for (float[][] plane : image) {
                for (float[] row : plane) {
                    b.get(row);
                }
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "PixelBatch[" + batch + " x " + channels + " x " + size + " x " + size + "]";
    }
}
