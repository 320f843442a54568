package io.github.layershuffle.samples.swarm.data;

import io.github.layershuffle.api.LayerShuffleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Grey images with class labels, as in MNIST and Fashion-MNIST: {@code count} images of {@code rows x cols}
 * unsigned bytes, and one label byte each.
 *
 * <pre>{@code
 * LabeledImages test = LabeledImages.read(Path.of("/usr/share/datasets/fashion-mnist"), "t10k");
 * float[] batch = test.pixels(0, 32, 1);   // [32, 1, 28, 28] in [0, 1]
 * }</pre>
 */
public final class LabeledImages {
    private final int rows;
    private final int cols;
    private final byte[] pixels;
    private final byte[] labels;

    private LabeledImages(int rows, int cols, byte[] pixels, byte[] labels) {
        this.rows = rows;
        this.cols = cols;
        this.pixels = pixels;
        this.labels = labels;
    }

    /**
     * Reads {@code <prefix>-images-idx3-ubyte[.gz]} and {@code <prefix>-labels-idx1-ubyte[.gz]} from {@code dir}
     * ({@code prefix} is {@code t10k} for the test set, {@code train} for the training set).
     *
     * @throws LayerShuffleException naming the file that is missing, is not IDX, is truncated, or whose count does
     *                               not match the other file's
     */
    public static LabeledImages read(Path dir, String prefix) {
        Path images = find(dir, prefix + "-images-idx3-ubyte");
        Path labels = find(dir, prefix + "-labels-idx1-ubyte");
        Idx.Array x = Idx.read(images, 3);
        Idx.Array y = Idx.read(labels, 1);
        if (x.dims()[0] != y.dims()[0]) {
            throw new LayerShuffleException(images + " holds " + x.dims()[0] + " images but " + labels + " holds "
                    + y.dims()[0] + " labels");
        }
        return new LabeledImages(x.dims()[1], x.dims()[2], x.data(), y.data());
    }

    private static Path find(Path dir, String name) {
        Objects.requireNonNull(dir, "dir");
        for (String candidate : new String[] {name + ".gz", name}) {
            Path p = dir.resolve(candidate);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new LayerShuffleException("no " + name + "(.gz) in " + dir);
    }

    /** Number of images. */
    public int size() {
        return labels.length;
    }

    /** Image height. */
    public int rows() {
        return rows;
    }

    /** Image width. */
    public int cols() {
        return cols;
    }

    /**
     * The label of image {@code i}.
     *
     * @throws IndexOutOfBoundsException if {@code i} is not in {@code [0, size())}
     */
    public int label(int i) {
        return labels[Objects.checkIndex(i, labels.length)] & 0xff;
    }

    /**
     * Images {@code [from, to)} as {@code [to - from, channels, rows, cols]} floats in [0, 1], row-major; with
     * {@code channels > 1} the grey value is repeated in every channel.
     *
     * @throws IndexOutOfBoundsException if the range is not inside {@code [0, size()]} or is empty
     * @throws IllegalArgumentException  if {@code channels < 1}
     */
    public float[] pixels(int from, int to, int channels) {
        Objects.checkFromToIndex(from, to, size());
        if (to == from) {
            throw new IndexOutOfBoundsException("empty range [" + from + ", " + to + ")");
        }
        if (channels < 1) {
            throw new IllegalArgumentException("channels must be at least 1, was " + channels);
        }
        int plane = rows * cols;
        float[] out = new float[(to - from) * channels * plane];
        int o = 0;
        for (int i = from; i < to; i++) {
            for (int c = 0; c < channels; c++) {
                for (int p = 0; p < plane; p++) {
                    out[o++] = (pixels[i * plane + p] & 0xff) / 255f;
                }
            }
        }
        return out;
    }
}
