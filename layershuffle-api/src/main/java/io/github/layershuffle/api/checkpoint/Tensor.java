package io.github.layershuffle.api.checkpoint;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor, row-major: the unit checkpoints are made of, independent of any framework.
 *
 * <p>The arrays are not copied: a tensor is a view a caller hands over. Treat them as read-only.
 *
 * @param name  the tensor's name, e.g. {@code blocks.3.attn.qkv.weight}
 * @param shape dimensions, outermost first; {@code []} is a scalar
 * @param data  {@code product(shape)} values in row-major order
 */
public record Tensor(String name, long[] shape, float[] data) {

    /**
     * Checks that the data fits the shape.
     *
     * @throws IllegalArgumentException naming the tensor, its shape and the number of values
     */
    public Tensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(data, "data");
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "' has a negative dimension in "
                        + Arrays.toString(shape));
            }
        }
        if (elementCount(shape) != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape)
                    + " needs " + elementCount(shape) + " values, has " + data.length);
        }
    }

    /** A tensor of zeros. */
    public static Tensor zeros(String name, long... shape) {
        return new Tensor(name, shape, new float[Math.toIntExact(elementCount(shape))]);
    }

    /** Number of values a tensor of {@code shape} holds. */
    public static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** This tensor under another name, sharing the data. */
    public Tensor renamed(String newName) {
        return new Tensor(newName, shape, data);
    }

    /** Whether {@code other} has this shape. */
    public boolean hasShape(long... other) {
        return Arrays.equals(shape, other);
    }

    /** Equal when name, shape and every value (bitwise, so NaN equals NaN) are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
