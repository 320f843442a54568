package io.github.layershuffle.train.data;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.image.ImageInput;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.nio.file.Path;

/**
 * Decodes an image file with {@code javax.imageio} into float pixels {@code [C, H, W]} in [0, 1]: centre-cropped
 * to a square, resampled to the wanted side, converted to grey or RGB.
 *
 * <p>Grey images are read from their raster, not through {@code getRGB}, which passes grey through a linear
 * colour space and changes the values. RGB to grey uses the ITU-R BT.601 luma weights (as PIL's {@code "L"}).
 * Alpha is ignored. Resampling is separable and triangle-filtered with a support widened by the scale factor
 * when shrinking (antialiased, as PIL's and torchvision's bilinear resize).
 */
final class Pixels {
    private Pixels() {
    }

    /**
     * Reads {@code file} as {@code channels x size x size} floats.
     *
     * @throws LayerShuffleException naming the file when it cannot be read or decoded, or declares more than
     *                               {@link ImageInput#DEFAULT_MAX_PIXELS} pixels
     */
    static float[] read(Path file, int size, int channels) {
        // layershuffle-onnx's decoder: the pixel count in the file's header is checked against the cap before
        // any pixel is decoded (a decompression bomb is refused), and a truncated file is refused, naming the file
        BufferedImage image = ImageInput.builder().setChannels(channels).setImageSize(size).build().decode(file);
        int w = image.getWidth();
        int h = image.getHeight();
        int side = Math.min(w, h);
        float[][] planes = planes(image, (w - side) / 2, (h - side) / 2, side, channels);
        float[] out = new float[channels * size * size];
        for (int c = 0; c < channels; c++) {
            float[] resized = resize(planes[c], side, size);
            System.arraycopy(resized, 0, out, c * size * size, size * size);
        }
        return out;
    }

    /** The square crop at {@code (x0, y0)} of side {@code side}, one plane per wanted channel. */
    private static float[][] planes(BufferedImage image, int x0, int y0, int side, int channels) {
        ColorModel model = image.getColorModel();
        boolean grey = model.getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && model.getNumColorComponents() == 1;
        float[][] planes = new float[channels][side * side];
        if (grey) {
            Raster raster = image.getRaster();
            float max = (1 << model.getComponentSize(0)) - 1;
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    float v = raster.getSample(x0 + x, y0 + y, 0) / max;
                    for (int c = 0; c < channels; c++) {
                        planes[c][y * side + x] = v;
                    }
                }
            }
            return planes;
        }
        int[] row = new int[side];
        for (int y = 0; y < side; y++) {
            image.getRGB(x0, y0 + y, side, 1, row, 0, side);
            for (int x = 0; x < side; x++) {
                int rgb = row[x];
                float r = (rgb >> 16 & 0xFF) / 255f;
                float g = (rgb >> 8 & 0xFF) / 255f;
                float b = (rgb & 0xFF) / 255f;
                if (channels == 1) {
                    planes[0][y * side + x] = 0.299f * r + 0.587f * g + 0.114f * b;
                } else {
                    planes[0][y * side + x] = r;
                    planes[1][y * side + x] = g;
                    planes[2][y * side + x] = b;
                }
            }
        }
        return planes;
    }

    /** Resamples a square plane of side {@code from} to side {@code to}, separably. */
    static float[] resize(float[] plane, int from, int to) {
        if (from == to) {
            return plane;
        }
        Weights weights = Weights.of(from, to);
        float[] rows = new float[from * to];          // horizontal pass: [from rows][to cols]
        for (int y = 0; y < from; y++) {
            for (int x = 0; x < to; x++) {
                rows[y * to + x] = weights.apply(plane, y * from, 1, x);
            }
        }
        float[] out = new float[to * to];             // vertical pass
        for (int x = 0; x < to; x++) {
            for (int y = 0; y < to; y++) {
                out[y * to + x] = weights.apply(rows, x, to, y);
            }
        }
        return out;
    }

    /** Per output index, the first input index and the normalised triangle weights that make it. */
    private record Weights(int[] first, float[][] taps) {
        static Weights of(int from, int to) {
            double scale = (double) from / to;
            double support = Math.max(1.0, scale);
            int[] first = new int[to];
            float[][] taps = new float[to][];
            for (int o = 0; o < to; o++) {
                double centre = (o + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(centre - support));
                int hi = Math.min(from, (int) Math.ceil(centre + support));
                float[] w = new float[hi - lo];
                double sum = 0;
                for (int i = lo; i < hi; i++) {
                    double d = Math.abs(i + 0.5 - centre) / support;
                    double t = Math.max(0, 1 - d);
                    w[i - lo] = (float) t;
                    sum += t;
                }
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) (w[i] / sum);
                }
                first[o] = lo;
                taps[o] = w;
            }
            return new Weights(first, taps);
        }

        float apply(float[] data, int base, int stride, int o) {
            float[] w = taps[o];
            int at = base + first[o] * stride;
            float sum = 0;
            for (float v : w) {
                sum += v * data[at];
                at += stride;
            }
            return sum;
        }
    }
}
