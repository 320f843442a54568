package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.github.layershuffle.api.LayerShuffleException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs a batch larger than {@link RuntimeOptions#passImagesFor} as consecutive passes of at most that many
 * images, so that the working memory ONNX Runtime plans for one run stays small enough for the C library to hand
 * the same memory back run after run (see {@link RuntimeOptions#passImagesFor}). The images of one pass are a
 * view of the caller's tensor where it is backed by a direct buffer, else a copy; the results are joined in image
 * order.
 */
final class Batches {

    private Batches() {
    }

    /** The batch size of a tensor {@code [batch, ...]}. */
    static int batch(OnnxTensor t) {
        return Math.toIntExact(t.getInfo().getShape()[0]);
    }

    /**
     * Classifies the images of {@code pixels} in passes of at most {@code passImages}, each by {@code pass}, and
     * joins the predictions.
     */
    static Prediction predict(OnnxTensor pixels, int passImages, Function<OnnxTensor, Prediction> pass) {
        long[] shape = pixels.getInfo().getShape();
        FloatBuffer all = values(pixels, shape);
        List<Prediction> parts = new ArrayList<>();
        for (int from = 0; from < shape[0]; from += passImages) {
            try (OnnxTensor part = images(all, shape, from, (int) Math.min(passImages, shape[0] - from))) {
                parts.add(pass.apply(part));
            }
        }
        return Prediction.join(parts);
    }

    /**
     * Runs the tokens {@code [batch, T, D]} of {@code input} in passes of at most {@code passImages} images, each by
     * {@code pass} (whose result this closes), and returns all output tokens as one tensor the caller owns.
     */
    static OnnxTensor tokens(OnnxTensor input, int passImages, Function<OnnxTensor, OnnxTensor> pass) {
        long[] shape = input.getInfo().getShape();
        FloatBuffer all = values(input, shape);
        FloatBuffer out = direct(all.capacity());
        for (int from = 0; from < shape[0]; from += passImages) {
            try (OnnxTensor part = images(all, shape, from, (int) Math.min(passImages, shape[0] - from));
                 OnnxTensor result = pass.apply(part)) {
                out.put(result.getFloatBuffer());
            }
        }
        out.flip();
        return tensor(out, shape.clone());
    }

    /** All values of {@code t}: its own direct buffer when it has one of exactly its size, else a direct copy. */
    private static FloatBuffer values(OnnxTensor t, long[] shape) {
        long count = Arrays.stream(shape).reduce(1, Math::multiplyExact);
        Optional<Buffer> ref;
        try {
            ref = t.getBufferRef();
        } catch (NullPointerException e) {
            ref = Optional.empty();   // ONNX Runtime 1.23 throws this for a tensor it allocated itself
        }
        if (ref.isPresent() && ref.get() instanceof FloatBuffer f && f.isDirect() && f.capacity() == count) {
            return f.duplicate().clear();
        }
        FloatBuffer copy = direct(Math.toIntExact(count));
        copy.put(t.getFloatBuffer()).flip();
        return copy;
    }

    /** Images {@code [from, from + count)} of the values {@code all} of a tensor of {@code shape}, as a view. */
    private static OnnxTensor images(FloatBuffer all, long[] shape, int from, int count) {
        int perImage = Math.toIntExact(all.capacity() / shape[0]);
        FloatBuffer view = all.duplicate().position(from * perImage).limit((from + count) * perImage).slice();
        long[] partShape = shape.clone();
        partShape[0] = count;
        return tensor(view, partShape);
    }

    private static FloatBuffer direct(int floats) {
        return ByteBuffer.allocateDirect(Math.multiplyExact(floats, Float.BYTES)).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
    }

    private static OnnxTensor tensor(FloatBuffer values, long[] shape) {
        try {
            return OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), values, shape);
        } catch (OrtException e) {
            throw new LayerShuffleException("cannot create a tensor " + Arrays.toString(shape) + " for a pass: "
                    + e.getMessage(), e);
        }
    }
}
