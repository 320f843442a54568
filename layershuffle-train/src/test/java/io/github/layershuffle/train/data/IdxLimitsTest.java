package io.github.layershuffle.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malicious IDX files: sizes are checked against the stream and a cap before anything is allocated (issue 11). */
class IdxLimitsTest {
    @TempDir
    Path dir;

    private final SplittableRandom random = new SplittableRandom(11);

    private static byte[] header(int magic, int... dims) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length).putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    @Test
    void headersPromisingMoreThanTheCapAreRefusedBeforeAllocating() throws IOException {
        for (int i = 0; i < 10; i++) {
            int rows = 1 + random.nextInt(65_536);
            int cols = 1 + random.nextInt(65_536);
            long minCount = Idx.MAX_ELEMENTS / ((long) rows * cols) + 1;
            int count = (int) Math.min(Integer.MAX_VALUE, minCount + random.nextInt(1000));
            Path f = write("images-" + i, concat(header(0x803, count, rows, cols), new byte[64]));
            assertThatThrownBy(() -> Idx.readImages(f)).as(count + "x" + rows + "x" + cols)
                    .isInstanceOf(LayerShuffleException.class).hasMessageContaining(f.toString())
                    .hasMessageContaining("at most " + Idx.MAX_ELEMENTS);
        }
        int labels = (int) Idx.MAX_ELEMENTS + 1 + random.nextInt(1 << 20);
        Path f = write("labels", concat(header(0x801, labels), new byte[64]));
        assertThatThrownBy(() -> Idx.readLabels(f, 10)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(labels + " labels").hasMessageContaining("at most " + Idx.MAX_ELEMENTS);
    }

    @Test
    void plainFilesMustHoldWhatTheHeaderPromises() throws IOException {
        for (int i = 0; i < 10; i++) {
            int count = 1 + random.nextInt(300_000); // at most 235 MB of pixels, under the cap
            int have = random.nextInt(100);
            Path f = write("plain-" + i, concat(header(0x803, count, 28, 28), new byte[have]));
            assertThatThrownBy(() -> Idx.readImages(f)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("truncated").hasMessageContaining(count + " images of 28x28");
        }
    }

    @Test
    void gzipHeadersPromisingMoreThanDeflateCanExpandAreRefused() throws IOException {
        for (int i = 0; i < 10; i++) {
            int count = 200_000 + random.nextInt(100_000); // 150 to 235 MB of pixels, under the cap
            byte[] gz = gzip(concat(header(0x803, count, 28, 28), new byte[random.nextInt(1000)]));
            Path f = write("small-" + i + ".gz", gz);
            assertThatThrownBy(() -> Idx.readImages(f)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining(f.toString()).hasMessageContaining("cannot inflate to")
                    .hasMessageContaining("" + Idx.MAX_GZIP_RATIO);
        }
    }

    @Test
    void aGzipBombIsRefusedAfterWhatTheHeaderPromisesNotInflatedWhole() throws IOException {
        // 4 GiB of zeros in 4096 one-MiB gzip members (4 MB on disk) after a header promising 10 labels: reading
        // it whole, as this reader once did, cannot even fit one Java array.
        int count = 1 + random.nextInt(100);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(gzip(concat(header(0x801, count), new byte[count])));
        byte[] member = gzip(new byte[1 << 20]);
        for (int i = 0; i < 4096; i++) {
            out.write(member);
        }
        Path f = write("bomb-labels.gz", out.toByteArray());
        assertThatThrownBy(() -> Idx.readLabels(f, 10)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("unexpected bytes after the " + count
                        + " labels");
        Path good = write("labels.gz", gzip(concat(header(0x801, count), new byte[count])));
        assertThat(Idx.readLabels(good, 10)).hasSize(count);
    }

    @Test
    void aFileThatIsNotRegularIsRefused() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("train-images-idx3-ubyte"));
        assertThatThrownBy(() -> Idx.readImages(sub)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("not a regular file");
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }
}
