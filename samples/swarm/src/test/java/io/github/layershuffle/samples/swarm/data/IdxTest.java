package io.github.layershuffle.samples.swarm.data;

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

/** Malicious IDX files for the swarm's reader: shapes are bounded by a cap and the file before allocating. */
class IdxTest {
    @TempDir
    Path dir;

    private final SplittableRandom random = new SplittableRandom(11);

    private static byte[] file(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length).putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        return b.put(data).array();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    @Test
    void shapesOverTheCapAreRefused() throws IOException {
        for (int i = 0; i < 10; i++) {
            int[] dims = {1 + random.nextInt(Integer.MAX_VALUE), 1 + random.nextInt(Integer.MAX_VALUE),
                1 + random.nextInt(Integer.MAX_VALUE)};
            if ((long) dims[1] * dims[2] <= Idx.MAX_ELEMENTS) {
                dims[1] = Integer.MAX_VALUE;
            }
            Path f = dir.resolve("big-" + i + "-images-idx3-ubyte");
            Files.write(f, file(0x803, dims, new byte[16]));
            assertThatThrownBy(() -> Idx.read(f, 3)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining(f.toString()).hasMessageContaining("more than " + Idx.MAX_ELEMENTS);
        }
    }

    @Test
    void shapesTheFileCannotHoldAreRefusedBeforeAllocating() throws IOException {
        for (int i = 0; i < 10; i++) {
            int count = 1_000_000 + random.nextInt(100_000_000); // up to 100 MB promised by a tiny file
            Path plain = dir.resolve("p" + i + "-labels-idx1-ubyte");
            Files.write(plain, file(0x801, new int[] {count}, new byte[random.nextInt(64)]));
            assertThatThrownBy(() -> Idx.read(plain, 1)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("truncated").hasMessageContaining(count + " bytes");
            Path gz = dir.resolve("g" + i + "-labels-idx1-ubyte.gz");
            Files.write(gz, gzip(file(0x801, new int[] {count}, new byte[random.nextInt(64)])));
            assertThatThrownBy(() -> Idx.read(gz, 1)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("gzip file").hasMessageContaining(count + " bytes");
        }
    }

    @Test
    void aGzipBombIsRefusedWithoutInflatingIt() throws IOException {
        // 4 GiB of zeros in 4096 gzip members (4 MB on disk) after a header promising a few labels: inflating it
        // whole cannot even fit one Java array.
        int count = 1 + random.nextInt(100);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(gzip(file(0x801, new int[] {count}, new byte[count])));
        byte[] member = gzip(new byte[1 << 20]);
        for (int i = 0; i < 4096; i++) {
            out.write(member);
        }
        Path f = dir.resolve("bomb-labels-idx1-ubyte.gz");
        Files.write(f, out.toByteArray());
        assertThatThrownBy(() -> Idx.read(f, 1)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(f.toString()).hasMessageContaining("bytes after the " + count);
        Path good = dir.resolve("good-labels-idx1-ubyte.gz");
        Files.write(good, gzip(file(0x801, new int[] {count}, new byte[count])));
        assertThat(Idx.read(good, 1).data()).hasSize(count);
    }
}
