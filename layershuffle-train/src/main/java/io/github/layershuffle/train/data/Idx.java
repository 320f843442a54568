package io.github.layershuffle.train.data;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.BufferedInputStream;
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
 * <p>Data files are untrusted: the header is read first and checked against {@link #MAX_ELEMENTS} and against
 * the file, before anything is allocated for the elements. A plain file must hold exactly the bytes its header
 * promises; a gzip file is inflated only up to them (one byte more tells trailing data), so a small file that
 * inflates to gigabytes is refused after reading what its header promised, never inflated whole. A header
 * promising more than {@link #MAX_GZIP_RATIO} times the compressed size is refused before inflating anything:
 * DEFLATE cannot expand that much.
 *
 * <p>Each file is read in one bulk read and converted to floats in one pass; nothing is allocated per pixel.
 */
final class Idx {
    /** Most elements one file may hold (2^28: 1 GiB as floats; Fashion-MNIST's training images are 47 million). */
    static final long MAX_ELEMENTS = 1L << 28;
    /** DEFLATE's largest expansion, about 1032:1; a header promising more than this times the file is false. */
    static final long MAX_GZIP_RATIO = 1032;
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
     *                               number, zero or absurd dimensions, more than {@link #MAX_ELEMENTS} pixels,
     *                               truncated or with trailing bytes
     */
    static Images readImages(Path file) {
        try (Source in = Source.open(file)) {
            int[] dims = in.header(3);
            int count = dims[0];
            int rows = dims[1];
            int cols = dims[2];
            if (rows > 65_536 || cols > 65_536) {
                throw fault(file, "has images of " + rows + "x" + cols + " pixels; expected at most 65536 per side");
            }
            long expected = (long) rows * cols * count; // each factor < 2^31 and rows * cols <= 2^32: no overflow
            byte[] bytes = in.elements(expected, count + " images of " + rows + "x" + cols + " pixels");
            float[] pixels = new float[bytes.length];
            for (int i = 0; i < pixels.length; i++) {
                pixels[i] = UNIT[bytes[i] & 0xFF];
            }
            return new Images(count, rows, cols, pixels);
        }
    }

    /**
     * Reads an {@code idx1-ubyte} label file and checks every label is below {@code classes}.
     *
     * @throws LayerShuffleException naming the file and the fault, as {@link #readImages}, or the first label
     *                               out of {@code [0, classes)}
     */
    static int[] readLabels(Path file, int classes) {
        try (Source in = Source.open(file)) {
            int count = in.header(1)[0];
            byte[] bytes = in.elements(count, count + " labels");
            int[] labels = new int[count];
            for (int i = 0; i < count; i++) {
                int label = bytes[i] & 0xFF;
                if (label >= classes) {
                    throw fault(file, "label " + label + " at index " + i + " is out of range [0, " + classes + ")");
                }
                labels[i] = label;
            }
            return labels;
        }
    }

    /** An open IDX file: its stream (inflating if gzip) and what the file's size allows it to hold. */
    private static final class Source implements AutoCloseable {
        private final Path file;
        private final InputStream in;
        private final long fileSize;
        private final boolean gzip;
        private int headerLength;

        private Source(Path file, InputStream in, long fileSize, boolean gzip) {
            this.file = file;
            this.in = in;
            this.fileSize = fileSize;
            this.gzip = gzip;
        }

        static Source open(Path file) {
            InputStream raw = null;
            boolean gzip = false;
            try {
                if (Files.exists(file) && !Files.isRegularFile(file)) {
                    throw fault(file, "is not a regular file");
                }
                long size = Files.size(file);
                raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
                raw.mark(2);
                gzip = raw.read() == 0x1f && raw.read() == 0x8b;
                raw.reset();
                InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
                return new Source(file, in, size, gzip);
            } catch (NoSuchFileException e) {
                throw new LayerShuffleException("IDX file " + file + " does not exist", e);
            } catch (IOException e) {
                closeQuietly(raw);
                throw gzipFault(file, gzip, e);
            }
        }

        int[] header(int dimensions) {
            headerLength = 4 + 4 * dimensions;
            byte[] head = read(headerLength);
            if (head.length < headerLength) {
                throw fault(file, "is truncated: " + head.length + " bytes, the IDX header alone needs "
                        + headerLength);
            }
            int magic = readInt(head, 0);
            int expectedMagic = UNSIGNED_BYTE << 8 | dimensions;
            if (magic != expectedMagic) {
                String what = dimensions == 3 ? "an idx3-ubyte image file" : "an idx1-ubyte label file";
                throw fault(file, String.format("has magic number 0x%08X, expected 0x%08X for %s", magic,
                        expectedMagic, what));
            }
            int[] dims = new int[dimensions];
            for (int d = 0; d < dimensions; d++) {
                dims[d] = readInt(head, 4 + 4 * d);
                if (dims[d] < 1) {
                    throw fault(file, "has dimension " + d + " of size " + dims[d] + "; every dimension must be "
                            + "at least 1");
                }
            }
            return dims;
        }

        /** Exactly {@code expected} element bytes, checked against the limit and the file before allocating. */
        byte[] elements(long expected, String promised) {
            if (expected > MAX_ELEMENTS) {
                throw fault(file, "promises " + promised + ", " + expected + " bytes; at most " + MAX_ELEMENTS
                        + " are read from one file");
            }
            if (gzip && expected > fileSize * MAX_GZIP_RATIO) {
                throw fault(file, "promises " + promised + ", " + expected + " bytes, which a gzip file of "
                        + fileSize + " bytes cannot inflate to (at most " + MAX_GZIP_RATIO + " times)");
            }
            if (!gzip) {
                checkLength(file, fileSize - headerLength, expected, promised);
            }
            byte[] bytes = read((int) expected);
            if (bytes.length < expected) {
                throw fault(file, "is truncated: it holds " + bytes.length + " bytes of data, the header promises "
                        + expected + " (" + promised + ")");
            }
            if (read(1).length > 0) {
                throw fault(file, "has unexpected bytes after the " + promised + " its header promises");
            }
            return bytes;
        }

        private byte[] read(int n) {
            try {
                return in.readNBytes(n);
            } catch (IOException e) {
                throw gzipFault(file, gzip, e);
            }
        }

        @Override
        public void close() {
            closeQuietly(in);
        }
    }

    private static LayerShuffleException gzipFault(Path file, boolean gzip, IOException e) {
        return gzip ? fault(file, "is gzip-compressed but cannot be decompressed (" + e.getMessage()
                + "); the download may be truncated") : fault(file, "cannot be read: " + e);
    }

    private static void closeQuietly(InputStream in) {
        if (in != null) {
            try {
                in.close();
            } catch (IOException ignored) {
                // reading is done or failed already; nothing was written
            }
        }
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
