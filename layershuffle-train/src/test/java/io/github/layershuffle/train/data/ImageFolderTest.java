package io.github.layershuffle.train.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.github.layershuffle.api.LayerShuffleException;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    @TempDir
    Path root;

    static void grey(Path file, int size, int value) throws IOException {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                image.getRaster().setSample(x, y, 0, value);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    static void rgb(Path file, int w, int h, int rgb) throws IOException {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        Files.createDirectories(file.getParent());
        ImageIO.write(image, "png", file.toFile());
    }

    @Test
    void classesAreSortedFolderNamesAndPixelsExact() throws IOException {
        grey(root.resolve("zebra/a.png"), 8, 200);
        grey(root.resolve("ant/b.png"), 8, 51);
        grey(root.resolve("ant/a.png"), 8, 102);
        Files.writeString(root.resolve("ant/notes.txt"), "not an image");
        Files.createDirectories(root.resolve(".hidden"));
        ImageDataset d = ImageFolder.read(root, 8, 1);
        assertThat(d.classNames()).containsExactly("ant", "zebra");
        assertThat(d.labels()).containsExactly(0, 0, 1);
        assertThat(d.image(0)).hasSize(64).containsOnly(102 / 255f);  // ant/a.png, files sorted by name
        assertThat(d.image(1)).containsOnly(51 / 255f);
        assertThat(d.image(2)).containsOnly(200 / 255f);
    }

    @Test
    void resizesCropsAndConvertsChannels() throws IOException {
        rgb(root.resolve("red/wide.png"), 30, 20, 0xFF0000);
        grey(root.resolve("grey/g.png"), 4, 255);
        ImageDataset rgb = ImageFolder.read(root, 10, 3);
        assertThat(rgb.height()).isEqualTo(10);
        float[] red = rgb.image(1);
        assertThat(red).hasSize(300);
        assertThat(red[0]).isCloseTo(1f, within(1e-6f));
        assertThat(red[100]).isCloseTo(0f, within(1e-6f));
        float[] white = rgb.image(0);                       // grey upsampled to 10x10, replicated to RGB
        assertThat(white).containsOnly(1f);
        ImageDataset grey = ImageFolder.read(root, 6, 1);
        assertThat(grey.image(1)[0]).isCloseTo(0.299f, within(1e-6f));
    }

    @Test
    void resizeAveragesWhenShrinking() throws IOException {
        BufferedImage checker = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                checker.getRaster().setSample(x, y, 0, (x + y) % 2 * 255);
            }
        }
        Files.createDirectories(root.resolve("c"));
        ImageIO.write(checker, "png", root.resolve("c/checker.png").toFile());
        assertThat(ImageFolder.read(root, 2, 1).image(0)).containsOnly(0.5f);
        assertThat(ImageFolder.read(root, 1, 1).image(0)[0]).isCloseTo(0.5f, within(1e-6f));
    }

    /**
     * A model trained on an image folder and served through {@code ImageInput} with a centre crop sees the same
     * pixels: training decodes, crops and resamples with ImageInput itself (it once had its own triangle filter,
     * whose shrink and enlarge gave other values). Noise images, not square, shrunk and enlarged, grey and RGB,
     * PNG and JPEG, eager and lazy.
     */
    @Test
    void trainingPixelsAreImageInputsCentreCropPixels() throws IOException {
        java.util.Random r = new java.util.Random(3);
        java.util.List<Path> files = new java.util.ArrayList<>();
        int[][] shapes = {{37, 23}, {5, 9}, {16, 16}, {11, 3}};
        for (int i = 0; i < shapes.length; i++) {
            BufferedImage noise = new BufferedImage(shapes[i][0], shapes[i][1], i % 2 == 0
                    ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < noise.getHeight(); y++) {
                for (int x = 0; x < noise.getWidth(); x++) {
                    noise.setRGB(x, y, r.nextInt(1 << 24));
                }
            }
            String format = i == 2 ? "jpg" : "png";
            Path f = root.resolve("k" + i + "/n." + format);
            Files.createDirectories(f.getParent());
            ImageIO.write(noise, format, f.toFile());
            files.add(f);
        }
        for (int channels : new int[] {1, 3}) {
            for (int size : new int[] {7, 20}) {
                io.github.layershuffle.onnx.image.ImageInput served = io.github.layershuffle.onnx.image.ImageInput
                        .builder().setChannels(channels).setImageSize(size)
                        .optFit(io.github.layershuffle.onnx.image.ImageInput.Fit.CENTER_CROP).build();
                io.github.layershuffle.onnx.image.ImageInput stretched = io.github.layershuffle.onnx.image.ImageInput
                        .builder().setChannels(channels).setImageSize(size).build();
                ImageDataset eager = ImageFolder.read(root, size, channels);
                ImageDataset lazy = ImageFolder.open(root, size, channels);
                for (int i = 0; i < files.size(); i++) {
                    float[] expected = flat(served.read(java.util.List.of(files.get(i))).toArray()[0]);
                    assertThat(eager.image(i)).as("file %s at %d px, %d channels", files.get(i), size, channels)
                            .containsExactly(expected);
                    assertThat(lazy.image(i)).containsExactly(expected);
                    if (shapes[i][0] != shapes[i][1]) {
                        assertThat(eager.image(i)).as("training crops, it does not stretch")
                                .isNotEqualTo(flat(stretched.read(java.util.List.of(files.get(i))).toArray()[0]));
                    }
                }
            }
        }
    }

    private static float[] flat(float[][][] image) {
        int plane = image[0].length * image[0][0].length;
        float[] out = new float[image.length * plane];
        int at = 0;
        for (float[][] p : image) {
            for (float[] row : p) {
                System.arraycopy(row, 0, out, at, row.length);
                at += row.length;
            }
        }
        return out;
    }

    @Test
    void emptyClassFolderIsRefused() throws IOException {
        grey(root.resolve("a/1.png"), 4, 1);
        Files.createDirectories(root.resolve("b"));
        Files.writeString(root.resolve("b/readme.txt"), "x");
        assertThatThrownBy(() -> ImageFolder.read(root, 4, 1)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("class folder " + root.resolve("b")).hasMessageContaining("no images");
    }

    @Test
    void rootWithoutClassesIsRefused() throws IOException {
        grey(root.resolve("1.png"), 4, 1);
        assertThatThrownBy(() -> ImageFolder.read(root, 4, 1)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(root.toString()).hasMessageContaining("no class folders");
        assertThatThrownBy(() -> ImageFolder.read(root.resolve("missing"), 4, 1))
                .hasMessageContaining("does not exist");
    }

    @Test
    void unreadableImageIsNamed() throws IOException {
        grey(root.resolve("a/1.png"), 4, 1);
        Files.write(root.resolve("a/2.png"), new byte[] {1, 2, 3, 4});
        assertThatThrownBy(() -> ImageFolder.read(root, 4, 1)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(root.resolve("a/2.png").toString());
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> ImageFolder.read(root, 4, 2)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channels must be 1 (grey) or 3 (RGB), was 2");
    }

    @Test
    void splitsUseTrainValTestFoldersOrASeededHoldOut() throws IOException {
        for (int i = 0; i < 10; i++) {
            grey(root.resolve("flat/a/" + i + ".png"), 4, i);
            grey(root.resolve("flat/b/" + i + ".png"), 4, 100 + i);
        }
        DatasetSplits flat = ImageFolder.splits(root.resolve("flat"), 4, 1, 5);
        assertThat(flat.train().count()).isEqualTo(16);
        assertThat(flat.validation().count()).isEqualTo(2);
        assertThat(flat.test().count()).isEqualTo(2);
        assertThat(ImageFolder.splits(root.resolve("flat"), 4, 1, 5).test().image(0))
                .containsExactly(flat.test().image(0));

        grey(root.resolve("tree/train/a/1.png"), 4, 1);
        grey(root.resolve("tree/train/b/1.png"), 4, 2);
        grey(root.resolve("tree/val/a/1.png"), 4, 3);
        grey(root.resolve("tree/val/b/1.png"), 4, 4);
        DatasetSplits tree = ImageFolder.splits(root.resolve("tree"), 4, 1, 0);
        assertThat(tree.train().count()).isEqualTo(2);
        assertThat(tree.test().image(0)).containsOnly(3 / 255f);

        grey(root.resolve("tree/test/a/1.png"), 4, 1);
        grey(root.resolve("tree/test/c/1.png"), 4, 1);
        assertThatThrownBy(() -> ImageFolder.splits(root.resolve("tree"), 4, 1, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("test part")
                .hasMessageContaining("[a, c]");
    }

    /** The lazy form (for ImageNet-sized trees) yields exactly what the in-memory form does. */
    @Test
    void openDecodesOnDemandTheSameImagesAsRead() throws IOException {
        rgb(root.resolve("cat/a.png"), 10, 6, 0x336699);
        rgb(root.resolve("cat/b.png"), 5, 5, 0xff0000);
        rgb(root.resolve("dog/c.png"), 7, 9, 0x00ff7f);
        ImageDataset eager = ImageFolder.read(root, 6, 3);
        ImageDataset lazy = ImageFolder.open(root, 6, 3);
        assertThat(eager.isLazy()).isFalse();
        assertThat(lazy.isLazy()).isTrue();
        assertThat(lazy.classNames()).isEqualTo(eager.classNames());
        assertThat(lazy.labels()).containsExactly(eager.labels());
        for (int i = 0; i < eager.count(); i++) {
            assertThat(lazy.image(i)).containsExactly(eager.image(i));
        }
        try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.NDList a = eager.batch(manager, 2, 0, 1);
            ai.djl.ndarray.NDList b = lazy.batch(manager, 2, 0, 1);
            assertThat(b.get(0).toFloatArray()).containsExactly(a.get(0).toFloatArray());
            assertThat(b.get(1).toLongArray()).containsExactly(a.get(1).toLongArray());
        }
        ImageDataset subset = lazy.sample(2, 1);
        assertThat(subset.isLazy()).isTrue();
        assertThat(subset.image(0)).hasSize(3 * 6 * 6);
    }

    @Test
    void loadGoesLazyWhenTheImagesWouldNotFitTheBudget() throws IOException {
        grey(root.resolve("a/1.png"), 4, 10);
        grey(root.resolve("b/2.png"), 4, 20);
        assertThat(ImageFolder.load(root, 4, 1, 1 << 20).isLazy()).isFalse();
        ImageDataset lazy = ImageFolder.load(root, 4, 1, 16);
        assertThat(lazy.isLazy()).isTrue();
        assertThat(lazy.image(1)).containsOnly(20 / 255f);
    }

    @Test
    void lazyDatasetNamesAnUnreadableImageWhenItIsDecoded() throws IOException {
        grey(root.resolve("a/1.png"), 4, 1);
        Files.write(root.resolve("a/2.png"), new byte[] {1, 2, 3, 4});
        ImageDataset lazy = ImageFolder.open(root, 4, 1);
        assertThat(lazy.image(0)).hasSize(16);
        assertThatThrownBy(() -> lazy.image(1)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(root.resolve("a/2.png").toString());
    }

    /**
     * A training image is untrusted input too: a PNG whose header declares 30,000 x 30,000 pixels (900 MB that
     * javax.imageio would allocate) is refused from its header, naming the file, before any pixel is decoded.
     */
    @Test
    void aDecompressionBombInAClassFolderIsRefusedFromItsHeader() throws Exception {
        Path cls = Files.createDirectories(root.resolve("a"));
        grey(cls.resolve("ok.png"), 4, 10);
        Path bomb = Files.write(cls.resolve("bomb.png"), pngHeaderOnly(30_000, 30_000));
        assertThatThrownBy(() -> ImageFolder.read(root, 4, 1)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(bomb.toString()).hasMessageContaining("refused before decoding");
    }

    /** PNG signature, an IHDR for {@code w x h} 8-bit grey pixels, one IDAT of a few zero bytes, IEND. */
    private static byte[] pngHeaderOnly(int w, int h) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        java.nio.ByteBuffer ihdr = java.nio.ByteBuffer.allocate(13).putInt(w).putInt(h).put(new byte[] {8, 0, 0, 0, 0});
        chunk(out, "IHDR", ihdr.array());
        java.util.zip.Deflater deflater = new java.util.zip.Deflater();
        deflater.setInput(new byte[16]);
        deflater.finish();
        byte[] idat = new byte[64];
        chunk(out, "IDAT", java.util.Arrays.copyOf(idat, deflater.deflate(idat)));
        chunk(out, "IEND", new byte[0]);
        return bytes.toByteArray();
    }

    private static void chunk(java.io.DataOutputStream out, String type, byte[] data) throws IOException {
        byte[] name = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(name);
        out.write(data);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }
}
