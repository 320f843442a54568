package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Checks images {@code [batch, C, H, W]} against a model's config and turns them into an ONNX Runtime tensor.
 * A wrong shape, an empty batch or a value that is NaN or infinite is refused with a message naming the first
 * fault; such input must never come back as a label.
 */
final class PixelInput {

    private PixelInput() {
    }

    /**
     * A tensor of these images, backed by a direct buffer that ONNX Runtime reads in place.
     *
     * @throws IllegalArgumentException naming the first image, channel, row or value at fault
     */
    static OnnxTensor tensor(float[][][][] pixels, ModelConfig c) {
        Objects.requireNonNull(pixels, "pixels");
        int channels = c.channels();
        int side = c.imageSize();
        if (pixels.length == 0) {
            throw new IllegalArgumentException("empty batch: pixels holds no image; expected [batch >= 1, "
                    + channels + ", " + side + ", " + side + "]");
        }
        FloatBuffer buf = ByteBuffer.allocateDirect(Math.multiplyExact(Math.multiplyExact(pixels.length,
                channels * side * side), Float.BYTES)).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int b = 0; b < pixels.length; b++) {
            float[][][] image = pixels[b];
            if (image == null) {
                throw new IllegalArgumentException("pixels[" + b + "] is null");
            }
            if (image.length != channels) {
                throw new IllegalArgumentException("pixels[" + b + "] has " + image.length + " channels, the model "
                        + "takes " + channels + " (config.channels); expected [batch, " + channels + ", " + side
                        + ", " + side + "]");
            }
            for (int ch = 0; ch < channels; ch++) {
                float[][] plane = image[ch];
                if (plane == null || plane.length != side) {
                    throw new IllegalArgumentException("pixels[" + b + "][" + ch + "] has "
                            + (plane == null ? "no" : plane.length) + " rows, the model takes " + side + "x" + side
                            + " images (config.imageSize " + side + ")");
                }
                for (int y = 0; y < side; y++) {
                    float[] row = plane[y];
                    if (row == null || row.length != side) {
                        throw new IllegalArgumentException("pixels[" + b + "][" + ch + "][" + y + "] has "
                                + (row == null ? "no" : row.length) + " columns, the model takes " + side + "x"
                                + side + " images (config.imageSize " + side + ")");
                    }
                    for (int x = 0; x < side; x++) {
                        if (!Float.isFinite(row[x])) {
                            throw new IllegalArgumentException(notFinite("pixels[" + b + "][" + ch + "][" + y + "]["
                                    + x + "]", row[x]));
                        }
                    }
                    buf.put(row);
                }
            }
        }
        buf.flip();
        return create(buf, new long[] {pixels.length, channels, side, side});
    }

    /**
     * A tensor of the {@code remaining()} values of {@code pixels}, row-major with shape {@code shape}.
     *
     * @throws IllegalArgumentException if the shape is not {@code [batch >= 1, C, H, W]} of the config, the buffer
     *                                  holds another number of values, or a value is NaN or infinite (naming its
     *                                  index)
     */
    static OnnxTensor tensor(FloatBuffer pixels, long[] shape, ModelConfig c) {
        Objects.requireNonNull(pixels, "pixels");
        Objects.requireNonNull(shape, "shape");
        long[] want = {-1, c.channels(), c.imageSize(), c.imageSize()};
        String expected = "expected [batch, channels, height, width] = [batch >= 1, " + c.channels() + ", "
                + c.imageSize() + ", " + c.imageSize() + "]";
        if (shape.length != 4) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has rank " + shape.length + ", "
                    + expected);
        }
        if (shape[0] == 0) {
            throw new IllegalArgumentException("empty batch: shape " + Arrays.toString(shape) + " holds no image; "
                    + expected);
        }
        String[] names = {"batch", "channels", "height", "width"};
        for (int i = 0; i < 4; i++) {
            if (shape[i] < 1 || (i > 0 && shape[i] != want[i])) {
                throw new IllegalArgumentException("shape " + Arrays.toString(shape) + ": " + names[i] + " is "
                        + shape[i] + ", " + expected);
            }
        }
        long count;
        try {
            count = Math.multiplyExact(shape[0], shape[1] * shape[2] * shape[3]);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too large", e);
        }
        if (pixels.remaining() != count) {
            throw new IllegalArgumentException("pixels has " + pixels.remaining() + " values remaining, shape "
                    + Arrays.toString(shape) + " needs " + count);
        }
        int start = pixels.position();
        for (int i = 0; i < count; i++) {
            float v = pixels.get(start + i);
            if (!Float.isFinite(v)) {
                long[] at = new long[4];
                long rest = i;
                for (int d = 3; d >= 0; d--) {
                    at[d] = rest % shape[d];
                    rest /= shape[d];
                }
                throw new IllegalArgumentException(notFinite("pixels[" + at[0] + "][" + at[1] + "][" + at[2] + "]["
                        + at[3] + "] (value " + i + " of the buffer)", v));
            }
        }
        return create(pixels.slice(), shape.clone());
    }

    private static String notFinite(String where, float v) {
        return where + " is " + (Float.isNaN(v) ? "NaN" : v > 0 ? "+Infinity" : "-Infinity")
                + "; pixels must be finite values in [0, 1]";
    }

    private static OnnxTensor create(FloatBuffer buf, long[] shape) {
        try {
            return OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), buf, shape);
        } catch (OrtException e) {
            throw new LayerShuffleException("cannot create the pixel tensor " + Arrays.toString(shape) + ": "
                    + e.getMessage(), e);
        }
    }
}
