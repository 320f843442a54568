package io.github.layershuffle.samples.swarm.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.samples.swarm.testing.IdxFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LabeledImagesTest {

    @Test
    void readsGzippedAndPlainIdxFiles(@TempDir Path dir) {
        IdxFiles.write(dir.resolve("t10k-images-idx3-ubyte.gz"), 0x803, new int[] {2, 2, 3},
                new byte[] {0, 51, (byte) 255, 1, 2, 3, 4, 5, 6, 7, 8, (byte) 128});
        IdxFiles.write(dir.resolve("t10k-labels-idx1-ubyte"), 0x801, new int[] {2}, new byte[] {9, 4});
        LabeledImages set = LabeledImages.read(dir, "t10k");
        assertThat(set.size()).isEqualTo(2);
        assertThat(set.rows()).isEqualTo(2);
        assertThat(set.cols()).isEqualTo(3);
        assertThat(set.label(0)).isEqualTo(9);
        assertThat(set.label(1)).isEqualTo(4);
        assertThat(set.pixels(0, 1, 1)).containsExactly(0f, 0.2f, 1f, 1 / 255f, 2 / 255f, 3 / 255f);
        float[] rgb = set.pixels(1, 2, 3);
        assertThat(rgb).hasSize(18);
        assertThat(rgb[5]).isEqualTo(128 / 255f);
        assertThat(rgb[11]).isEqualTo(128 / 255f);
        assertThat(rgb[17]).isEqualTo(128 / 255f);
    }

    @Test
    void refusesBadFilesNamingThem(@TempDir Path dir) throws Exception {
        IdxFiles.write(dir.resolve("a-images-idx3-ubyte"), 0x801, new int[] {1}, new byte[] {0});
        IdxFiles.write(dir.resolve("a-labels-idx1-ubyte"), 0x801, new int[] {1}, new byte[] {0});
        assertThatThrownBy(() -> LabeledImages.read(dir, "a")).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("a-images-idx3-ubyte: magic number 0x801").hasMessageContaining("0x00000803");

        IdxFiles.write(dir.resolve("b-images-idx3-ubyte"), 0x803, new int[] {2, 2, 2}, new byte[5]);
        IdxFiles.write(dir.resolve("b-labels-idx1-ubyte"), 0x801, new int[] {2}, new byte[2]);
        assertThatThrownBy(() -> LabeledImages.read(dir, "b")).hasMessageContaining("is truncated");

        IdxFiles.write(dir.resolve("c-images-idx3-ubyte"), 0x803, new int[] {2, 1, 1}, new byte[2]);
        IdxFiles.write(dir.resolve("c-labels-idx1-ubyte"), 0x801, new int[] {3}, new byte[3]);
        assertThatThrownBy(() -> LabeledImages.read(dir, "c")).hasMessageContaining("holds 2 images but")
                .hasMessageContaining("holds 3 labels");

        IdxFiles.write(dir.resolve("d-images-idx3-ubyte"), 0x803, new int[] {1, 1, 1}, new byte[3]);
        IdxFiles.write(dir.resolve("d-labels-idx1-ubyte"), 0x801, new int[] {1}, new byte[1]);
        assertThatThrownBy(() -> LabeledImages.read(dir, "d")).hasMessageContaining("has bytes after");

        Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> LabeledImages.read(dir.resolve("empty"), "t10k"))
                .hasMessageContaining("no t10k-images-idx3-ubyte(.gz) in");
    }

    @Test
    void readsTheFashionMnistTestSetWhereInstalled() {
        Path dir = Path.of("/usr/share/datasets/fashion-mnist");
        assumeThat(Files.isRegularFile(dir.resolve("t10k-images-idx3-ubyte.gz")))
                .as("Fashion-MNIST is installed in " + dir).isTrue();
        LabeledImages test = LabeledImages.read(dir, "t10k");
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.rows()).isEqualTo(28);
        assertThat(test.cols()).isEqualTo(28);
        int[] perClass = new int[10];
        for (int i = 0; i < test.size(); i++) {
            perClass[test.label(i)]++;
        }
        assertThat(perClass).containsOnly(1000);
    }
}
