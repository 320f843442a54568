package io.github.layershuffle.onnx.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.layershuffle.api.ModelConfig;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pixel values of hand-made images in each conversion, against values worked out by hand from the documented
 * formulas; and the documented resize and fit on known patterns. Tolerance 1e-6 where a formula is applied in
 * float, exact where a value is only divided by 255 or 65535.
 */
class ImageInputTest {
    @TempDir
    Path dir;

    private static ImageInput input(int channels, int size) {
        return ImageInput.builder().setChannels(channels).setImageSize(size).build();
    }

    private static BufferedImage grey(int[][] v) {
        BufferedImage image = new BufferedImage(v[0].length, v.length, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < v.length; y++) {
            for (int x = 0; x < v[0].length; x++) {
                image.getRaster().setSample(x, y, 0, v[y][x]);
            }
        }
        return image;
    }

    private BufferedImage roundTrip(BufferedImage image, String format) throws Exception {
        Path file = dir.resolve("image." + format);
        assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
        return input(1, 1).decode(file);
    }

    @Test
    void greyStaysExactAndIsReplicatedToRgb() throws Exception {
        int[][] v = {{0, 10, 255}, {128, 1, 77}, {3, 200, 99}};
        BufferedImage image = grey(v);
        int[][] framed = new int[5][5];
        for (int y = 0; y < 3; y++) {
            System.arraycopy(v[y], 0, framed[y + 1], 1, 3);
        }
        BufferedImage sub = grey(framed).getSubimage(1, 1, 3, 3);   // a raster with an offset into its data
        for (BufferedImage source : List.of(image, roundTrip(image, "png"), sub)) {
            float[][][] one = input(1, 3).pixels(source);
            float[][][] three = input(3, 3).pixels(source);
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 3; x++) {
                    assertThat(one[0][y][x]).as("grey [%d][%d] of %s", y, x, source).isEqualTo(v[y][x] / 255f);
                    for (int c = 0; c < 3; c++) {
                        assertThat(three[c][y][x]).as("channel %d [%d][%d]", c, y, x).isEqualTo(v[y][x] / 255f);
                    }
                }
            }
        }
    }

    @Test
    void sixteenBitGreyDividesBy65535() {
        BufferedImage image = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
        image.getRaster().setSamples(0, 0, 2, 1, 0, new int[] {65535, 1000});
        float[] row = input(1, 1).batch(image).toArray()[0][0][0];
        // 2 -> 1 columns: the mean, then 1 -> 1 rows
        assertThat(row[0]).isCloseTo((1f + 1000 / 65535f) / 2, within(1e-6f));
    }

    @Test
    void rgbIsDividedBy255AndGreyIsTheBt601Luma() throws Exception {
        int[] colours = {0xff0000, 0x00ff00, 0x0000ff, 0xffffff, 0x336699};   // all in the default 6x6x6 palette
        double[] luma = {0.299, 0.587, 0.114, 1.0, (0.299 * 0x33 + 0.587 * 0x66 + 0.114 * 0x99) / 255};
        int[] alphas = {0x10, 0x80, 0x00, 0xff, 0x00};                       // ignored
        BufferedImage bgr = square(BufferedImage.TYPE_3BYTE_BGR, colours, 0, null);
        List<BufferedImage> sources = List.of(square(BufferedImage.TYPE_INT_RGB, colours, 0, null), bgr,
                square(BufferedImage.TYPE_INT_ARGB, colours, 0, alphas),
                square(BufferedImage.TYPE_4BYTE_ABGR, colours, 0, alphas),
                square(BufferedImage.TYPE_BYTE_INDEXED, colours, 0, null),
                square(BufferedImage.TYPE_INT_RGB, colours, 1, null).getSubimage(1, 1, 5, 5),
                square(BufferedImage.TYPE_3BYTE_BGR, colours, 1, null).getSubimage(1, 1, 5, 5),
                roundTrip(bgr, "png"), roundTrip(bgr, "bmp"), roundTrip(bgr, "gif"));
        for (BufferedImage source : sources) {
            float[][][] three = input(3, 5).pixels(source);
            float[][][] one = input(1, 5).pixels(source);
            for (int y = 0; y < 5; y++) {
                for (int x = 0; x < colours.length; x++) {
                    int c = colours[x];
                    assertThat(three[0][y][x]).as("R of %06x in %s", c, source).isEqualTo(((c >> 16) & 0xff) / 255f);
                    assertThat(three[1][y][x]).as("G of %06x in %s", c, source).isEqualTo(((c >> 8) & 0xff) / 255f);
                    assertThat(three[2][y][x]).as("B of %06x in %s", c, source).isEqualTo((c & 0xff) / 255f);
                    assertThat((double) one[0][y][x]).as("luma of %06x in %s", c, source)
                            .isCloseTo(luma[x], within(1e-6));
                }
            }
        }
    }

    /** A square of {@code type} whose column {@code x} has colour {@code colours[x]}, after a frame of {@code pad}. */
    private static BufferedImage square(int type, int[] colours, int pad, int[] alphas) {
        int n = colours.length + 2 * pad;
        BufferedImage image = new BufferedImage(n, n, type);
        for (int y = pad; y < n - pad; y++) {
            for (int x = 0; x < colours.length; x++) {
                int alpha = alphas == null ? 0xff : alphas[x];
                image.setRGB(x + pad, y, alpha << 24 | colours[x]);
            }
        }
        return image;
    }

    @Test
    void sixteenBitRgbDividesBy65535() {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_sRGB),
                new int[] {16, 16, 16}, false, false, Transparency.OPAQUE, DataBuffer.TYPE_USHORT);
        WritableRaster raster = cm.createCompatibleWritableRaster(1, 1);
        raster.setPixel(0, 0, new int[] {65535, 32768, 0});
        float[][][] p = input(3, 1).pixels(new BufferedImage(cm, raster, false, null));
        assertThat(p[0][0][0]).isEqualTo(1f);
        assertThat(p[1][0][0]).isEqualTo(32768 / 65535f);
        assertThat(p[2][0][0]).isEqualTo(0f);
        assertThat((double) input(1, 1).pixels(new BufferedImage(cm, raster, false, null))[0][0][0])
                .isCloseTo(0.299 + 0.587 * 32768 / 65535, within(1e-6));
    }

    @Test
    void shrinkingACheckerboardAveragesItToMidGrey() {
        // a bilinear or nearest-neighbour shrink would sample single squares and give 0 or 1
        int[][] board = new int[8][8];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                board[y][x] = (x + y) % 2 == 0 ? 255 : 0;
            }
        }
        float[][][] p = input(1, 2).pixels(grey(board));
        assertThat(p[0][0]).containsExactly(new float[] {0.5f, 0.5f}, within(1e-6f));
        assertThat(p[0][1]).containsExactly(new float[] {0.5f, 0.5f}, within(1e-6f));
    }

    @Test
    void resizingIsSeparable() {
        // 2x2 -> 4x4 bilinear: the outer product of the 1-D weights [1, .75, .25, 0] and [0, .25, .75, 1]
        float[][] p = input(1, 4).pixels(grey(new int[][] {{0, 255}, {255, 255}}))[0];
        float[] w = {0, 0.25f, 0.75f, 1};
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                float expected = 1 - (1 - w[x]) * (1 - w[y]);
                assertThat(p[y][x]).as("[%d][%d]", y, x).isCloseTo(expected, within(1e-6f));
            }
        }
        // 4x2 -> 2x2: columns averaged in pairs, rows copied
        float[][] q = input(1, 2).pixels(grey(new int[][] {{0, 10, 200, 210}, {20, 30, 220, 230}}))[0];
        assertThat(q[0]).containsExactly(new float[] {5 / 255f, 205 / 255f}, within(1e-6f));
        assertThat(q[1]).containsExactly(new float[] {25 / 255f, 225 / 255f}, within(1e-6f));
    }

    @Test
    void centreCropTakesTheMiddleSquareAndStretchTakesItAll() {
        // 6 wide, 2 high: the centre 2x2 square is columns 2 and 3
        int[][] v = {{0, 0, 50, 100, 255, 255}, {0, 0, 150, 200, 255, 255}};
        ImageInput crop = ImageInput.builder().setChannels(1).setImageSize(2).optFit(ImageInput.Fit.CENTER_CROP)
                .build();
        float[][] c = crop.pixels(grey(v))[0];
        assertThat(c[0]).containsExactly(50 / 255f, 100 / 255f);
        assertThat(c[1]).containsExactly(150 / 255f, 200 / 255f);
        // stretch: 6 -> 2 columns, each the mean of three
        float[][] s = input(1, 2).pixels(grey(v))[0];
        assertThat(s[0]).containsExactly(new float[] {50 / 3f / 255f, (100 + 510) / 3f / 255f}, within(1e-6f));
        // an odd difference rounds the offset down: 5 wide -> columns 1 and 2
        float[][] odd = crop.pixels(grey(new int[][] {{1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}}))[0];
        assertThat(odd[0]).containsExactly(2 / 255f, 3 / 255f);
        // a tall image crops rows
        float[][] tall = crop.pixels(grey(new int[][] {{1, 2}, {3, 4}, {5, 6}, {7, 8}}))[0];
        assertThat(tall[0]).containsExactly(3 / 255f, 4 / 255f);
    }

    @Test
    void theBatchIsOneDirectNativeBufferInImageOrder() {
        PixelBatch b = input(3, 2).batch(grey(new int[][] {{255, 255}, {255, 255}}), grey(new int[][] {{0, 0}, {0, 51}}));
        assertThat(b.shape()).containsExactly(2, 3, 2, 2);
        FloatBuffer buf = b.buffer();
        assertThat(buf.isDirect()).isTrue();
        assertThat(buf.order()).isEqualTo(ByteOrder.nativeOrder());
        assertThat(buf.remaining()).isEqualTo(24);
        assertThat(buf.get(11)).isEqualTo(1f);
        assertThat(buf.get(12)).isEqualTo(0f);
        assertThat(buf.get(23)).isEqualTo(0.2f);
        assertThat(b.toArray()[1][2][1][1]).isEqualTo(0.2f);
    }

    /** The heap form that training uses writes what a batch holds, at the offset, and nothing else. */
    @Test
    void pixelsIntoAnArrayAreTheBatchsValuesAtTheOffset() {
        ImageInput in = ImageInput.builder().setChannels(3).setImageSize(3).optFit(ImageInput.Fit.CENTER_CROP).build();
        BufferedImage wide = grey(new int[][] {{0, 10, 20, 30, 40}, {50, 60, 70, 80, 90}});
        float[] dst = new float[5 + 27 + 4];
        java.util.Arrays.fill(dst, -1f);
        in.pixels(wide, dst, 5);
        float[] batch = new float[27];
        in.batch(wide).buffer().get(batch);
        assertThat(java.util.Arrays.copyOfRange(dst, 5, 32)).containsExactly(batch);
        assertThat(java.util.Arrays.copyOfRange(dst, 0, 5)).containsOnly(-1f);
        assertThat(java.util.Arrays.copyOfRange(dst, 32, 36)).containsOnly(-1f);
        assertThatThrownBy(() -> in.pixels(wide, new float[30], 4)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> in.pixels(wide, dst, -1)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void refusesWhatItCannotConvert() {
        ModelConfig four = ModelConfig.builder().imageSize(4).channels(2).patchSize(2).width(4).depth(1).heads(1)
                .mlpWidth(4).classes(2).build();
        assertThatThrownBy(() -> ImageInput.of(four)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channels is 2").hasMessageContaining("1 (grey) or 3 (RGB)");
        assertThatThrownBy(() -> ImageInput.builder().setChannels(1).build()).hasMessageContaining("imageSize is 0");
        assertThatThrownBy(() -> ImageInput.builder().setChannels(1).setImageSize(2).optMaxPixels(0).build())
                .hasMessageContaining("maxPixels is 0");
        assertThatThrownBy(() -> input(1, 2).batch(List.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty batch");
        assertThatThrownBy(() -> input(1, 2).batch(grey(new int[][] {{1}}), null)).hasMessageContaining("images[1]");
    }
}
