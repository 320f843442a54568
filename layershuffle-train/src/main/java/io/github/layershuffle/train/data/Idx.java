package io.github.layershuffle.train.data;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST (Y. LeCun's format): a big-endian magic number whose third
 * byte is the element type ({@code 0x08}, unsigned byte) and fourth the number of dimensions, then one
 * big-endian int per dimension, then the elements row-major. Files may be gzip-compressed (detected by their
 * first two bytes, not their name).
 *
 * <p>Each file is read in one bulk read and converted to floats in one pass; nothing is allocated per pixel.
 */
final class Idx {
    private static final int UNSIGNED_BYTE = 0x08;
    private static final float[] UNIT = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            UNIT[i] = i / 255f;
        }
    }

    private Idx() {
    }

    /** Images of one IDX3 file: {@code count} images of {@code rows x cols}, pixels in [0, 1] row-major. */
    record Images(int count, int rows, int cols, float[] pixels) {
    }

    /**
     * Reads an {@code idx3-ubyte} image file.
     *
     * @throws LayerShuffleException naming the file and the fault: missing, unreadable, bad gzip, bad magic
     *                               number, zero or absurd dimensions, truncated or with trailing bytes
     */
    static Images readImages(Path file) {
        byte[] bytes = readAll(file);
        int[] dims = header(file, bytes, 3);
        int count = dims[0];
        int rows = dims[1];
        int cols = dims[2];
        if (rows > 65_536 || cols > 65_536) {
            throw fault(file, "has images of " + rows + "x" + cols + " pixels; expected at most 65536 per side");
        }
        long pixelsPerImage = (long) rows * cols;
        long expected = pixelsPerImage * count;
        if (expected > Integer.MAX_VALUE - 16) {
            throw fault(file, "holds " + count + " images of " + rows + "x" + cols
                    + " pixels, more than one array can hold");
        }
        int offset = 4 + 4 * 3;
        checkLength(file, bytes.length - offset, expected, count + " images of " + rows + "x" + cols + " pixels");
        float[] pixels = new float[(int) expected];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = UNIT[bytes[offset + i] & 0xFF];
        }
        return new Images(count, rows, cols, pixels);
    }

    /**
     * Reads an {@code idx1-ubyte} label file and checks every label is below {@code classes}.
     *
     * @throws LayerShuffleException naming the file and the fault, as {@link #readImages}, or the first label
     *                               out of {@code [0, classes)}
     */
    static int[] readLabels(Path file, int classes) {
        byte[] bytes = readAll(file);
        int count = header(file, bytes, 1)[0];
        int offset = 4 + 4;
        checkLength(file, bytes.length - offset, count, count + " labels");
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) {
            int label = bytes[offset + i] & 0xFF;
            if (label >= classes) {
                throw fault(file, "label " + label + " at index " + i + " is out of range [0, " + classes + ")");
            }
            labels[i] = label;
        }
        return labels;
    }

    private static byte[] readAll(Path file) {
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new LayerShuffleException("IDX file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read IDX file " + file + ": " + e, e);
        }
        if (raw.length >= 2 && (raw[0] & 0xFF) == 0x1f && (raw[1] & 0xFF) == 0x8b) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw), 1 << 16)) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw fault(file, "is gzip-compressed but cannot be decompressed (" + e.getMessage()
                        + "); the download may be truncated");
            }
        }
        return raw;
    }

    private static int[] header(Path file, byte[] bytes, int dimensions) {
        int headerLength = 4 + 4 * dimensions;
        if (bytes.length < headerLength) {
            throw fault(file, "is truncated: " + bytes.length + " bytes, the IDX header alone needs "
                    + headerLength);
        }
        int magic = readInt(bytes, 0);
        int expectedMagic = UNSIGNED_BYTE << 8 | dimensions;
        if (magic != expectedMagic) {
            String what = dimensions == 3 ? "an idx3-ubyte image file" : "an idx1-ubyte label file";
            throw fault(file, String.format("has magic number 0x%08X, expected 0x%08X for %s", magic,
                    expectedMagic, what));
        }
        int[] dims = new int[dimensions];
        for (int d = 0; d < dimensions; d++) {
            dims[d] = readInt(bytes, 4 + 4 * d);
            if (dims[d] < 1) {
                throw fault(file, "has dimension " + d + " of size " + dims[d] + "; every dimension must be "
                        + "at least 1");
            }
        }
        return dims;
    }

    private static void checkLength(Path file, long actual, long expected, String promised) {
        if (actual < expected) {
            throw fault(file, "is truncated: it holds " + actual + " bytes of data, the header promises "
                    + expected + " (" + promised + ")");
        }
        if (actual > expected) {
            throw fault(file, "has " + (actual - expected) + " unexpected bytes after the " + promised
                    + " its header promises");
        }
    }

    private static int readInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    private static LayerShuffleException fault(Path file, String message) {
        return new LayerShuffleException("IDX file " + file + " " + message);
    }
}
