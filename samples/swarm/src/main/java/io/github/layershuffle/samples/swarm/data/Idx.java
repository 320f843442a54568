package io.github.layershuffle.samples.swarm.data;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format): a big-endian magic {@code 0x0000 TT NN} where {@code TT} is
 * the element type ({@code 0x08}, unsigned byte, is the only one these datasets use) and {@code NN} the number of
 * dimensions, then {@code NN} big-endian int32 sizes, then the elements. Files ending in {@code .gz} are gunzipped
 * on the fly.
 *
 * <p>Files are untrusted: the shape is checked against {@link #MAX_ELEMENTS} and against the file's size before the
 * elements are allocated (a plain file must hold exactly them; a gzip file cannot inflate to more than
 * {@link #MAX_GZIP_RATIO} times its size), and a gzip file is inflated only up to the bytes its shape promises plus
 * one, so a gzip bomb is refused without being inflated.
 */
final class Idx {
    /** Most elements one file may hold (2^28; Fashion-MNIST's training images are 47 million). */
    static final long MAX_ELEMENTS = 1L << 28;
    /** DEFLATE's largest expansion, about 1032:1. */
    static final long MAX_GZIP_RATIO = 1032;
    private static final int UNSIGNED_BYTE = 0x08;

    /**
     * An IDX array of unsigned bytes.
     *
     * @param dims its dimensions
     * @param data its elements, row-major
     */
    record Array(int[] dims, byte[] data) {
    }

    private Idx() {
    }

    /**
     * Reads an unsigned-byte IDX file with {@code rank} dimensions.
     *
     * @throws LayerShuffleException naming the file if it cannot be read, is not IDX, has another element type or
     *                               rank, holds more than {@link #MAX_ELEMENTS} elements or more than its size can,
     *                               is truncated, or has bytes after its last element
     */
    static Array read(Path file, int rank) {
        boolean gzip = file.toString().endsWith(".gz");
        long fileSize;
        try {
            fileSize = Files.size(file);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read IDX file " + file + ": " + e.getMessage(), e);
        }
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = new BufferedInputStream(gzip
                     ? new GZIPInputStream(raw, 1 << 16) : raw, 1 << 16);
             DataInputStream data = new DataInputStream(in)) {
            int magic = data.readInt();
            int type = (magic >>> 8) & 0xff;
            int dims = magic & 0xff;
            if ((magic >>> 16) != 0 || type != UNSIGNED_BYTE || dims != rank) {
                throw new LayerShuffleException(file + ": magic number 0x" + Integer.toHexString(magic) + " is not an "
                        + "IDX file of unsigned bytes with " + rank + " dimensions (expected "
                        + String.format("0x%08x", UNSIGNED_BYTE << 8 | rank) + ")");
            }
            int[] shape = new int[rank];
            long count = 1;
            for (int i = 0; i < rank; i++) {
                shape[i] = data.readInt();
                if (shape[i] < 0) {
                    throw new LayerShuffleException(file + ": dimension " + i + " is negative (" + shape[i] + ")");
                }
                count *= shape[i]; // count <= MAX_ELEMENTS and shape[i] < 2^31 before: no overflow
                if (count > MAX_ELEMENTS) {
                    throw new LayerShuffleException(file + ": shape " + Arrays.toString(shape) + " holds more than "
                            + MAX_ELEMENTS + " elements, the most one file may hold");
                }
            }
            long room = gzip ? fileSize * MAX_GZIP_RATIO : fileSize - 4 - 4L * rank;
            if (count > room) {
                throw new LayerShuffleException(file + " is truncated: shape " + Arrays.toString(shape) + " needs "
                        + count + " bytes of data, a" + (gzip ? " gzip" : "") + " file of " + fileSize
                        + " bytes cannot hold them");
            }
            byte[] bytes = new byte[(int) count];
            try {
                data.readFully(bytes);
            } catch (EOFException e) {
                throw new LayerShuffleException(file + " is truncated: shape " + Arrays.toString(shape) + " needs "
                        + count + " bytes of data", e);
            }
            if (data.read() != -1) {
                throw new LayerShuffleException(file + " has bytes after the " + count + " its shape "
                        + Arrays.toString(shape) + " holds");
            }
            return new Array(shape, bytes);
        } catch (EOFException e) {
            throw new LayerShuffleException(file + " is truncated in its header", e);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read IDX file " + file + ": " + e.getMessage(), e);
        }
    }
}
