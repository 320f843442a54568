package io.github.layershuffle.samples.swarm.testing;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Writes small gzipped IDX files shaped like Fashion-MNIST's. */
public final class IdxFiles {

    private IdxFiles() {
    }

    /** {@code count} random 28x28 images and labels in [0, 10) as {@code t10k-*-ubyte.gz} in {@code dir}. */
    public static int[] writeTestSet(Path dir, int count, long seed) {
        Random rnd = new Random(seed);
        byte[] pixels = new byte[count * 28 * 28];
        rnd.nextBytes(pixels);
        int[] labels = new int[count];
        byte[] labelBytes = new byte[count];
        for (int i = 0; i < count; i++) {
            labels[i] = rnd.nextInt(10);
            labelBytes[i] = (byte) labels[i];
        }
        write(dir.resolve("t10k-images-idx3-ubyte.gz"), 0x803, new int[] {count, 28, 28}, pixels);
        write(dir.resolve("t10k-labels-idx1-ubyte.gz"), 0x801, new int[] {count}, labelBytes);
        return labels;
    }

    /** An IDX file with this magic, these dimensions and data; gzipped if the name ends in .gz. */
    public static void write(Path file, int magic, int[] dims, byte[] data) {
        try (OutputStream raw = Files.newOutputStream(file);
             OutputStream out = file.toString().endsWith(".gz") ? new GZIPOutputStream(raw) : raw;
             DataOutputStream d = new DataOutputStream(out)) {
            d.writeInt(magic);
            for (int x : dims) {
                d.writeInt(x);
            }
            d.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
