package io.github.layershuffle.samples.embed;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import javax.imageio.ImageIO;

/**
 * Turns an image file into the pixels a LayerShuffle export takes: {@code [channels][size][size]} floats in [0, 1]
 * (the export's stem normalises them with the config's mean and std).
 *
 * <ul>
 *   <li>Reading: {@link ImageIO}, so PNG, JPEG, GIF and BMP. Grey images are read from their raster, so a grey
 *       PNG's values arrive unchanged (Java's {@code getRGB} would pass them through a gamma conversion).</li>
 *   <li>Channels: grey to RGB repeats the grey value; RGB to grey is the ITU-R BT.601 luma
 *       {@code 0.299 R + 0.587 G + 0.114 B} (what Pillow's {@code convert("L")} computes). Alpha is ignored.</li>
 *   <li>Size: the image is stretched to {@code size x size} (no crop): area averaging when shrinking, bilinear
 *       with half-pixel centres when enlarging.</li>
 * </ul>
 */
public final class Images {

    private Images() {
    }

    /**
     * Reads and converts an image file.
     *
     * @param channels 1 (grey) or 3 (RGB), the export's {@code config.channels}
     * @param size     the export's {@code config.imageSize}
     * @return {@code [channels][size][size]}, values in [0, 1]
     * @throws IllegalArgumentException naming the file if it does not exist, cannot be read, or is not an image
     *                                  ImageIO can decode; or if {@code channels} is not 1 or 3 or {@code size < 1}
     */
    public static float[][][] load(Path file, int channels, int size) {
        Objects.requireNonNull(file, "file");
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), was " + channels);
        }
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1, was " + size);
        }
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no image file " + file);
        }
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read image " + file + ": " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IllegalArgumentException(file + " is not an image this JDK can decode (PNG, JPEG, GIF, BMP)");
        }
        float[][][] planes = planes(image, channels);
        float[][][] out = new float[channels][][];
        for (int c = 0; c < channels; c++) {
            out[c] = resize(planes[c], size, size);
        }
        return out;
    }

    /** The image as {@code channels} planes {@code [height][width]} in [0, 1]. */
    static float[][][] planes(BufferedImage image, int channels) {
        int w = image.getWidth();
        int h = image.getHeight();
        boolean grey = image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && image.getColorModel().getNumColorComponents() == 1;
        float[][][] out = new float[channels][h][w];
        if (grey) {
            Raster raster = image.getRaster();
            float max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = raster.getSample(x, y, 0) / max;
                    for (int c = 0; c < channels; c++) {
                        out[c][y][x] = v;
                    }
                }
            }
            return out;
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = image.getRGB(x, y);
                float r = ((rgb >> 16) & 0xff) / 255f;
                float g = ((rgb >> 8) & 0xff) / 255f;
                float b = (rgb & 0xff) / 255f;
                if (channels == 1) {
                    out[0][y][x] = 0.299f * r + 0.587f * g + 0.114f * b;
                } else {
                    out[0][y][x] = r;
                    out[1][y][x] = g;
                    out[2][y][x] = b;
                }
            }
        }
        return out;
    }

    /** Resizes one plane: each axis by area averaging when it shrinks, bilinearly when it grows. */
    static float[][] resize(float[][] src, int outH, int outW) {
        int h = src.length;
        int w = src[0].length;
        float[][] rows = new float[h][];
        for (int y = 0; y < h; y++) {
            rows[y] = resample(src[y], outW);
        }
        float[][] out = new float[outH][outW];
        float[] column = new float[h];
        for (int x = 0; x < outW; x++) {
            for (int y = 0; y < h; y++) {
                column[y] = rows[y][x];
            }
            float[] resized = resample(column, outH);
            for (int y = 0; y < outH; y++) {
                out[y][x] = resized[y];
            }
        }
        return out;
    }

    /** One line of {@code in.length} samples to {@code n}. */
    private static float[] resample(float[] in, int n) {
        int m = in.length;
        float[] out = new float[n];
        if (n == m) {
            System.arraycopy(in, 0, out, 0, m);
        } else if (n < m) {
            double scale = (double) m / n;
            for (int i = 0; i < n; i++) {
                double from = i * scale;
                double to = from + scale;
                double sum = 0;
                for (int j = (int) Math.floor(from); j < Math.min(m, (int) Math.ceil(to)); j++) {
                    double cover = Math.min(to, j + 1) - Math.max(from, j);
                    sum += cover * in[j];
                }
                out[i] = (float) (sum / scale);
            }
        } else {
            double scale = (double) m / n;
            for (int i = 0; i < n; i++) {
                double pos = Math.max(0, (i + 0.5) * scale - 0.5);
                int j = Math.min((int) pos, m - 1);
                int k = Math.min(j + 1, m - 1);
                double t = pos - j;
                out[i] = (float) ((1 - t) * in[j] + t * in[k]);
            }
        }
        return out;
    }
}
