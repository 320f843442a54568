package io.github.layershuffle.samples.swarm.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * Activations on the wire: float32 tensors with their shape, row-major, little-endian. Every tensor that arrives
 * is checked against the shape the receiver expects before it is used: rank, every fixed dimension, the batch
 * range, the byte count, and that each value is finite. A mismatch is an {@link IllegalArgumentException} naming
 * the tensor, the shape it had and the shape expected; a server answers it with {@code INVALID_ARGUMENT}, a
 * client bans the server that sent it.
 */
public final class Activations {

    private Activations() {
    }

    /**
     * A tensor of {@code data.remaining()} values of shape {@code shape}; the buffer's position is not moved.
     *
     * @throws IllegalArgumentException if the shape has a dimension below 1 or another number of values
     */
    public static Tensor encode(FloatBuffer data, long[] shape) {
        Objects.requireNonNull(data, "data");
        long count = count(shape, "tensor");
        if (data.remaining() != count) {
            throw new IllegalArgumentException("tensor of shape " + shown(shape) + " needs " + count
                    + " values, the buffer holds " + data.remaining());
        }
        byte[] bytes = new byte[Math.toIntExact(count * Float.BYTES)];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(data.duplicate());
        Tensor.Builder t = Tensor.newBuilder().setData(UnsafeByteOperations.unsafeWrap(bytes));
        for (long d : shape) {
            t.addShape(d);
        }
        return t.build();
    }

    /**
     * A tensor of these values of shape {@code shape}.
     *
     * @throws IllegalArgumentException as {@link #encode(FloatBuffer, long[])}
     */
    public static Tensor encode(float[] data, long[] shape) {
        return encode(FloatBuffer.wrap(Objects.requireNonNull(data, "data")), shape);
    }

    /**
     * A tensor of a batch of rows {@code [batch][width]}, e.g. logits.
     *
     * @throws IllegalArgumentException if the batch is empty or the rows differ in length
     */
    public static Tensor encode(float[][] rows) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("cannot encode an empty batch of rows");
        }
        int width = rows[0].length;
        FloatBuffer all = FloatBuffer.allocate(Math.multiplyExact(rows.length, width));
        for (int b = 0; b < rows.length; b++) {
            if (rows[b].length != width) {
                throw new IllegalArgumentException("row " + b + " has " + rows[b].length + " values, row 0 has "
                        + width);
            }
            all.put(rows[b]);
        }
        return encode(all.flip(), new long[] {rows.length, width});
    }

    /**
     * Checks {@code tensor} against {@code expected} and copies its values into a direct buffer in native order
     * (what ONNX Runtime reads in place).
     *
     * @param what     the tensor's role, for messages ({@code "tokens of block 3"})
     * @param expected the expected shape; {@code -1} in the first place for a batch of any size in
     *                 {@code [1, maxBatch]}
     * @param maxBatch the largest batch accepted where the batch is free
     * @throws IllegalArgumentException naming {@code what}, the shape it had and the shape expected, the byte count,
     *                                  or the first value that is NaN or infinite
     */
    public static Decoded decode(Tensor tensor, String what, long[] expected, int maxBatch) {
        Objects.requireNonNull(tensor, what);
        long[] shape = tensor.getShapeList().stream().mapToLong(Long::longValue).toArray();
        String want = describe(expected, maxBatch);
        if (shape.length != expected.length) {
            throw new IllegalArgumentException(what + ": shape " + shown(shape) + " has rank "
                    + shape.length + ", expected " + want);
        }
        for (int i = 0; i < shape.length; i++) {
            boolean ok = expected[i] < 0 ? shape[i] >= 1 && shape[i] <= maxBatch : shape[i] == expected[i];
            if (!ok) {
                throw new IllegalArgumentException(what + ": shape " + shown(shape) + " does not match "
                        + want + " (dimension " + i + " is " + shape[i] + ")");
            }
        }
        long count = count(shape, what);
        ByteString data = tensor.getData();
        if (data.size() != count * Float.BYTES) {
            throw new IllegalArgumentException(what + ": " + data.size() + " bytes of data, shape "
                    + shown(shape) + " needs " + count * Float.BYTES + " (4 bytes per float32)");
        }
        FloatBuffer in = data.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        FloatBuffer out = ByteBuffer.allocateDirect(data.size()).order(ByteOrder.nativeOrder()).asFloatBuffer();
        for (int i = 0; i < count; i++) {
            float v = in.get(i);
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(what + ": value " + i + " of shape " + shown(shape)
                        + " is " + v + "; activations must be finite");
            }
            out.put(i, v);
        }
        return new Decoded(shape, out);
    }

    /** A shape for a message: whole up to 8 dimensions, else its first 8 and its rank (a peer picks the rank). */
    static String shown(long[] shape) {
        if (shape.length <= 8) {
            return Arrays.toString(shape);
        }
        String head = Arrays.toString(Arrays.copyOf(shape, 8));
        return head.substring(0, head.length() - 1) + ", ... (" + shape.length + " dimensions)]";
    }

    private static long count(long[] shape, String what) {
        Objects.requireNonNull(shape, "shape");
        long n = 1;
        for (long d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException(what + ": shape " + shown(shape)
                        + " has a dimension below 1");
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(what + ": shape " + shown(shape) + " is too large", e);
            }
        }
        if (n > Integer.MAX_VALUE / Float.BYTES) {
            throw new IllegalArgumentException(what + ": shape " + shown(shape) + " holds " + n
                    + " values, more than one message can carry");
        }
        return n;
    }

    private static String describe(long[] expected, int maxBatch) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < expected.length; i++) {
            s.append(i > 0 ? ", " : "").append(expected[i] < 0 ? "batch" : String.valueOf(expected[i]));
        }
        s.append(']');
        if (Arrays.stream(expected).anyMatch(d -> d < 0)) {
            s.append(" with batch in [1, ").append(maxBatch).append(']');
        }
        return s.toString();
    }

    /**
     * A tensor that passed the checks.
     *
     * @param shape its shape
     * @param data  its values, a direct buffer in native order, positioned at 0
     */
    public record Decoded(long[] shape, FloatBuffer data) {

        /** The batch size: the first dimension. */
        public int batch() {
            return Math.toIntExact(shape[0]);
        }

        /** The values as rows {@code [shape[0]][product of the rest]}, e.g. logits {@code [batch][classes]}. */
        public float[][] rows() {
            int batch = batch();
            int width = data.capacity() / batch;
            float[][] rows = new float[batch][width];
            for (int b = 0; b < batch; b++) {
                data.get(b * width, rows[b]);
            }
            return rows;
        }
    }
}
