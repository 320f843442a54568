package io.github.layershuffle.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path dir;

    static byte[] images(int count, int rows, int cols) {
        return IdxFiles.images(count, rows, cols);
    }

    static byte[] labels(int count) {
        return IdxFiles.labels(count);
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        return IdxFiles.gzip(bytes);
    }

    static Path writeDataset(Path dir, boolean compressed) throws IOException {
        return IdxFiles.write(dir, 40, 12, compressed);
    }

    @Test
    void readsUncompressedAndGzippedFilesAlike() throws IOException {
        Path raw = writeDataset(Files.createDirectory(dir.resolve("raw")), false);
        Path gz = writeDataset(Files.createDirectory(dir.resolve("gz")), true);
        ImageDataset a = FashionMnist.train(raw);
        ImageDataset b = FashionMnist.train(gz);
        assertThat(a.count()).isEqualTo(40);
        assertThat(a.channels()).isEqualTo(1);
        assertThat(a.height()).isEqualTo(28);
        assertThat(a.classNames()).containsExactlyElementsOf(FashionMnist.LABELS);
        assertThat(a.label(13)).isEqualTo(3);
        float[] image = a.image(5);
        assertThat(image).hasSize(784);
        assertThat(image[0]).isEqualTo(5 / 255f);
        assertThat(image[2 * 28 + 3]).isEqualTo(10 / 255f);
        assertThat(b.image(5)).containsExactly(image);
        assertThat(b.labels()).containsExactly(a.labels());
        assertThat(FashionMnist.test(gz).count()).isEqualTo(12);
        assertThat(FashionMnist.isPresent(gz)).isTrue();
        assertThat(FashionMnist.isPresent(dir)).isFalse();
    }

    @Test
    void splitIsSeededDisjointAndComplete() throws IOException {
        Path d = writeDataset(dir, true);
        DatasetSplits s = FashionMnist.splits(d, 10, 3);
        DatasetSplits again = FashionMnist.splits(d, 10, 3);
        DatasetSplits other = FashionMnist.splits(d, 10, 4);
        assertThat(s.train().count()).isEqualTo(30);
        assertThat(s.validation().count()).isEqualTo(10);
        assertThat(s.test().count()).isEqualTo(12);
        // image i's first pixel is i/255, so it identifies the image
        float[] val = firstPixels(s.validation());
        assertThat(firstPixels(again.validation())).containsExactly(val);
        assertThat(firstPixels(other.validation())).isNotEqualTo(val);
        float[] all = concat(val, firstPixels(s.train()));
        Arrays.sort(all);
        float[] expected = new float[40];
        for (int i = 0; i < 40; i++) {
            expected[i] = i / 255f;
        }
        assertThat(all).containsExactly(expected);
        DatasetSplits fixed = FashionMnist.splits(d);     // small files: a twelfth held out
        assertThat(fixed.validation().count()).isEqualTo(3);
        assertThat(fixed.validation().name()).isEqualTo("fashion-mnist validation");
    }

    private static float[] firstPixels(ImageDataset d) {
        float[] out = new float[d.count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d.image(i)[0];
        }
        return out;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void missingDirectoryAndFilesAreNamed() throws IOException {
        assertThatThrownBy(() -> FashionMnist.train(dir.resolve("nope")))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("nope")
                .hasMessageContaining("dataset-fashion-mnist");
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(4, 28, 28));
        assertThatThrownBy(() -> FashionMnist.train(dir))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("train-labels-idx1-ubyte");
    }

    @Test
    void badMagicNumberIsRefused() throws IOException {
        writeDataset(dir, false);
        byte[] bytes = images(40, 28, 28);
        bytes[3] = 0x01;
        Files.write(dir.resolve("train-images-idx3-ubyte"), bytes);
        assertThatThrownBy(() -> FashionMnist.train(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("train-images-idx3-ubyte").hasMessageContaining("magic number 0x00000801")
                .hasMessageContaining("0x00000803");
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        writeDataset(dir, false);
        byte[] bytes = images(40, 28, 28);
        Files.write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(bytes, bytes.length - 100));
        assertThatThrownBy(() -> FashionMnist.train(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("train-images-idx3-ubyte").hasMessageContaining("truncated")
                .hasMessageContaining("40 images of 28x28");
        Files.write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(bytes, 10));
        assertThatThrownBy(() -> FashionMnist.train(dir)).hasMessageContaining("header");
    }

    @Test
    void truncatedGzipIsRefused() throws IOException {
        writeDataset(dir, true);
        byte[] gz = gzip(images(40, 28, 28));
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), Arrays.copyOf(gz, gz.length / 2));
        assertThatThrownBy(() -> FashionMnist.train(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("train-images-idx3-ubyte.gz").hasMessageContaining("gzip");
    }

    @Test
    void trailingBytesAndWrongDimensionsAreRefused() throws IOException {
        writeDataset(dir, false);
        byte[] bytes = images(40, 28, 28);
        Files.write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(bytes, bytes.length + 3));
        assertThatThrownBy(() -> FashionMnist.train(dir)).hasMessageContaining("3 unexpected bytes");
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(40, 14, 56));
        assertThatThrownBy(() -> FashionMnist.train(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("train-images-idx3-ubyte").hasMessageContaining("14x56");
        byte[] zero = images(1, 28, 28);
        ByteBuffer.wrap(zero).putInt(4, 0);
        Files.write(dir.resolve("train-images-idx3-ubyte"), Arrays.copyOf(zero, 16));
        assertThatThrownBy(() -> FashionMnist.train(dir)).hasMessageContaining("dimension 0 of size 0");
    }

    @Test
    void labelCountMismatchAndBadLabelsAreRefused() throws IOException {
        writeDataset(dir, false);
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(39));
        assertThatThrownBy(() -> FashionMnist.train(dir)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("40 images").hasMessageContaining("39 labels")
                .hasMessageContaining("train-labels-idx1-ubyte");
        byte[] bad = labels(40);
        bad[8 + 7] = 12;
        Files.write(dir.resolve("train-labels-idx1-ubyte"), bad);
        assertThatThrownBy(() -> FashionMnist.train(dir))
                .hasMessageContaining("label 12 at index 7 is out of range [0, 10)");
    }
}
