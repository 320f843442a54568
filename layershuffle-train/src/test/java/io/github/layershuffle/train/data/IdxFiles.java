package io.github.layershuffle.train.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes small Fashion-MNIST-format IDX files for tests. */
public final class IdxFiles {
    private IdxFiles() {
    }

    /** {@code count} images whose pixel (r, c) of image i is (i + r + c) mod 256. */
    public static byte[] images(int count, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * rows * cols);
        b.putInt(0x00000803).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < count; i++) {
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    b.put((byte) ((i + r + c) % 256));
                }
            }
        }
        return b.array();
    }

    /** {@code count} labels, label i being i mod 10. */
    public static byte[] labels(int count) {
        ByteBuffer b = ByteBuffer.allocate(8 + count);
        b.putInt(0x00000801).putInt(count);
        for (int i = 0; i < count; i++) {
            b.put((byte) (i % 10));
        }
        return b.array();
    }

    /** The bytes gzip-compressed. */
    public static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    /** Writes the four files of a Fashion-MNIST directory with {@code train} and {@code test} 28x28 images. */
    public static Path write(Path dir, int train, int test, boolean compressed) throws IOException {
        String ext = compressed ? ".gz" : "";
        write(dir.resolve("train-images-idx3-ubyte" + ext), images(train, 28, 28), compressed);
        write(dir.resolve("train-labels-idx1-ubyte" + ext), labels(train), compressed);
        write(dir.resolve("t10k-images-idx3-ubyte" + ext), images(test, 28, 28), compressed);
        write(dir.resolve("t10k-labels-idx1-ubyte" + ext), labels(test), compressed);
        return dir;
    }

    private static void write(Path file, byte[] bytes, boolean compressed) throws IOException {
        Files.write(file, compressed ? gzip(bytes) : bytes);
    }
}
