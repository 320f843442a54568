package io.github.layershuffle.samples.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    @TempDir
    Path dir;

    private Path png(BufferedImage image, String name) throws Exception {
        Path p = dir.resolve(name);
        assertThat(ImageIO.write(image, name.substring(name.lastIndexOf('.') + 1), p.toFile())).isTrue();
        return p;
    }

    @Test
    void readsAGreyPngExactlyAndShrinksByAreaAveraging() throws Exception {
        BufferedImage grey = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        int[][] v = {{0, 10, 200, 210}, {20, 30, 220, 230}, {100, 100, 0, 0}, {100, 100, 0, 255}};
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                grey.getRaster().setSample(x, y, 0, v[y][x]);
            }
        }
        Path file = png(grey, "grey.png");
        float[][][] same = Images.load(file, 1, 4);
        assertThat(same[0][1][3]).isEqualTo(230 / 255f);
        float[][][] half = Images.load(file, 1, 2);
        assertThat(half[0][0][0]).isCloseTo(15 / 255f, within(1e-6f));
        assertThat(half[0][0][1]).isCloseTo(215 / 255f, within(1e-6f));
        assertThat(half[0][1][0]).isCloseTo(100 / 255f, within(1e-6f));
        assertThat(half[0][1][1]).isCloseTo(63.75f / 255f, within(1e-6f));
        float[][][] rgb = Images.load(file, 3, 4);
        assertThat(rgb[2][1][3]).isEqualTo(230 / 255f);
    }

    @Test
    void convertsColourToGreyWithBt601LumaAndKeepsRgb() throws Exception {
        BufferedImage colour = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        colour.setRGB(0, 0, 0xff0000);
        colour.setRGB(1, 0, 0x00ff80);
        Path file = png(colour, "colour.png");
        float[][][] grey = Images.load(file, 1, 1);
        assertThat(grey[0][0][0]).isCloseTo((0.299f + 0.587f + 0.114f * 128 / 255f) / 2, within(1e-6f));
        float[][][] rgb = Images.load(file, 3, 1);
        assertThat(rgb[0][0][0]).isCloseTo(0.5f, within(1e-6f));
        assertThat(rgb[1][0][0]).isCloseTo(0.5f, within(1e-6f));
        assertThat(rgb[2][0][0]).isCloseTo(64 / 255f, within(1e-6f));
    }

    @Test
    void enlargesBilinearlyWithHalfPixelCentres() {
        float[][] up = Images.resize(new float[][] {{0, 1}}, 1, 4);
        assertThat(up[0]).containsExactly(new float[] {0f, 0.25f, 0.75f, 1f}, within(1e-6f));
    }

    @Test
    void readsJpeg() throws Exception {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                image.setRGB(x, y, 0x808080);
            }
        }
        float[][][] p = Images.load(png(image, "grey.jpg"), 1, 8);
        assertThat(p[0][3][3]).isCloseTo(128 / 255f, within(3 / 255f));
    }

    @Test
    void refusesWhatIsNotAnImageNamingTheFile() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.png"), "not a picture");
        assertThatThrownBy(() -> Images.load(text, 1, 8)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("notes.png is not an image");
        assertThatThrownBy(() -> Images.load(dir.resolve("missing.png"), 1, 8))
                .hasMessageContaining("no image file").hasMessageContaining("missing.png");
        assertThatThrownBy(() -> Images.load(text, 2, 8)).hasMessageContaining("channels must be 1 (grey) or 3");
    }
}
