package io.github.layershuffle.onnx.image;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;
import java.awt.image.SinglePixelPackedSampleModel;

/**
 * Reads rows of a {@link BufferedImage} as channel values in [0, 1], converted to one (grey) or three (RGB)
 * channels.
 *
 * <ul>
 *   <li>Grey images (a grey colour space with one colour component, any bit depth, with or without alpha) are
 *       read from their raster: a sample {@code s} of {@code n} bits becomes {@code s / (2^n - 1)}, so a grey
 *       PNG's values arrive unchanged. ({@code BufferedImage.getRGB} would pass them through Java's linear-grey
 *       to sRGB conversion and change them.)</li>
 *   <li>Every other image is read as 8-bit sRGB ({@code getRGB}; sRGB component images of 8 or 16 bits from
 *       their raster): {@code R / 255} etc., or {@code s / 65535} for 16 bits.</li>
 *   <li>Grey to RGB replicates the grey value in all three channels. RGB to grey is the ITU-R BT.601 luma
 *       {@code 0.299 R + 0.587 G + 0.114 B}, on the stored (gamma-encoded) values, as Pillow's
 *       {@code convert("L")} and OpenCV's {@code COLOR_RGB2GRAY} compute it (they round to 8 bits; this does
 *       not).</li>
 *   <li>Alpha is ignored: colour values are taken as stored, not composited over any background.</li>
 * </ul>
 */
final class PixelRows {
    private enum Layout { BYTES, PACKED_INT, SAMPLES, RGB }

    /** {@code UNIT[v] = v / 255f}: the same values as the division, without a division per sample. */
    private static final float[] UNIT = new float[256];

    static {
        for (int v = 0; v < 256; v++) {
            UNIT[v] = v / 255f;
        }
    }

    private final BufferedImage image;
    private final Raster raster;
    private final int channels;
    private final boolean grey;
    private final Layout layout;
    private final float[] max;
    private byte[] bytes;
    private int[] ints;
    private int scanline;
    private int pixelStride;
    private int[] bandOffsets;
    private int origin;
    private final int[][] rows = new int[3][];

    PixelRows(BufferedImage image, int channels) {
        this.image = image;
        this.raster = image.getRaster();
        this.channels = channels;
        ColorModel cm = image.getColorModel();
        ColorSpace cs = cm.getColorSpace();
        this.grey = cs.getType() == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1;
        int colours = grey ? 1 : 3;
        boolean components = cm instanceof ComponentColorModel && !cm.isAlphaPremultiplied()
                && (grey || cs.isCS_sRGB());
        this.max = new float[colours];
        for (int b = 0; b < colours; b++) {
            max[b] = components || grey ? (1L << raster.getSampleModel().getSampleSize(b)) - 1 : 255;
        }
        if (components && raster.getSampleModel() instanceof ComponentSampleModel sm
                && raster.getDataBuffer() instanceof DataBufferByte db && db.getNumBanks() == 1
                && allEight(sm, colours)) {
            layout = Layout.BYTES;
            bytes = db.getData();
            scanline = sm.getScanlineStride();
            pixelStride = sm.getPixelStride();
            bandOffsets = sm.getBandOffsets().clone();
            origin = db.getOffset() - raster.getSampleModelTranslateY() * scanline
                    - raster.getSampleModelTranslateX() * pixelStride;
            for (int b = 0; b < bandOffsets.length; b++) {
                bandOffsets[b] += origin;
            }
            origin = 0;
        } else if (components || grey) {
            layout = Layout.SAMPLES;
        } else if ((image.getType() == BufferedImage.TYPE_INT_RGB || image.getType() == BufferedImage.TYPE_INT_ARGB)
                && raster.getSampleModel() instanceof SinglePixelPackedSampleModel sm
                && raster.getDataBuffer() instanceof DataBufferInt db && db.getNumBanks() == 1) {
            // TYPE_INT_(A)RGB fixes the masks to 0x(ff)ff0000, 0xff00, 0xff and the colour space to sRGB
            layout = Layout.PACKED_INT;
            ints = db.getData();
            scanline = sm.getScanlineStride();
            origin = db.getOffset() - raster.getSampleModelTranslateY() * scanline
                    - raster.getSampleModelTranslateX();
        } else {
            layout = Layout.RGB;
        }
    }

    private static boolean allEight(ComponentSampleModel sm, int colours) {
        for (int b = 0; b < colours; b++) {
            if (sm.getSampleSize(b) != 8) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads {@code width} pixels of row {@code y} from column {@code x0} into {@code out[channel][0 .. width)}.
     * Not thread-safe: it reuses one buffer.
     */
    void read(int y, int x0, int width, float[][] out) {
        switch (layout) {
            case BYTES -> {
                // 8-bit samples: max is 255, so UNIT gives exactly sample / max
                int base = y * scanline + x0 * pixelStride;
                for (int x = 0, p = base; x < width; x++, p += pixelStride) {
                    if (grey) {
                        store(out, x, UNIT[bytes[p + bandOffsets[0]] & 0xff]);
                    } else {
                        store(out, x, UNIT[bytes[p + bandOffsets[0]] & 0xff], UNIT[bytes[p + bandOffsets[1]] & 0xff],
                                UNIT[bytes[p + bandOffsets[2]] & 0xff]);
                    }
                }
            }
            case PACKED_INT -> {
                int base = origin + y * scanline + x0;
                for (int x = 0; x < width; x++) {
                    rgb(out, x, ints[base + x]);
                }
            }
            case SAMPLES -> {
                int[] v = buffer(0, width);
                raster.getSamples(x0, y, width, 1, 0, v);
                if (grey) {
                    for (int x = 0; x < width; x++) {
                        store(out, x, v[x] / max[0]);
                    }
                } else {
                    int[] g = buffer(1, width);
                    int[] b = buffer(2, width);
                    raster.getSamples(x0, y, width, 1, 1, g);
                    raster.getSamples(x0, y, width, 1, 2, b);
                    for (int x = 0; x < width; x++) {
                        store(out, x, v[x] / max[0], g[x] / max[1], b[x] / max[2]);
                    }
                }
            }
            case RGB -> {
                int[] s = buffer(0, width);
                image.getRGB(x0, y, width, 1, s, 0, width);
                for (int x = 0; x < width; x++) {
                    rgb(out, x, s[x]);
                }
            }
        }
    }

    private int[] buffer(int band, int width) {
        if (rows[band] == null || rows[band].length < width) {
            rows[band] = new int[width];
        }
        return rows[band];
    }

    private void rgb(float[][] out, int x, int argb) {
        store(out, x, UNIT[(argb >> 16) & 0xff], UNIT[(argb >> 8) & 0xff], UNIT[argb & 0xff]);
    }

    private void store(float[][] out, int x, float v) {
        for (int c = 0; c < channels; c++) {
            out[c][x] = v;
        }
    }

    private void store(float[][] out, int x, float r, float g, float b) {
        if (channels == 1) {
            out[0][x] = 0.299f * r + 0.587f * g + 0.114f * b;
        } else {
            out[0][x] = r;
            out[1][x] = g;
            out[2][x] = b;
        }
    }
}
