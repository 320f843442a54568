package io.github.layershuffle.onnx.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Image files a host application may be handed: each is refused with a message that names it. */
class BadImageTest {
    @TempDir
    Path dir;

    private final ImageInput input = ImageInput.builder().setChannels(3).setImageSize(8).build();

    private Path write(BufferedImage image, String name) throws Exception {
        Path file = dir.resolve(name);
        assertThat(ImageIO.write(image, name.substring(name.lastIndexOf('.') + 1), file.toFile())).isTrue();
        return file;
    }

    private static BufferedImage noise(int w, int h) {
        SplittableRandom r = new SplittableRandom(3);
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        return image;
    }

    @Test
    void missingOrNotAnImageNamesTheFile() throws Exception {
        Path text = Files.writeString(dir.resolve("notes.png"), "not a picture");
        assertThatThrownBy(() -> input.read(List.of(text))).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(text + " is not an image this JDK can decode").hasMessageContaining("PNG");
        Path missing = dir.resolve("missing.png");
        assertThatThrownBy(() -> input.read(List.of(missing))).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("no image file " + missing);
        assertThatThrownBy(() -> input.read(List.of(dir))).hasMessageContaining(dir + " (a directory)");
        Path empty = Files.write(dir.resolve("empty.jpg"), new byte[0]);
        assertThatThrownBy(() -> input.read(List.of(empty))).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(empty.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpg", "gif", "bmp"})
    void aTruncatedFileNamesTheFile(String format) throws Exception {
        Path whole = write(noise(64, 48), "whole." + format);
        assertThat(input.read(List.of(whole)).size()).isEqualTo(1);
        byte[] bytes = Files.readAllBytes(whole);
        Path cut = Files.write(dir.resolve("cut." + format), Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> input.read(List.of(whole, cut))).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(cut.toString()).hasMessageContaining("truncated or corrupt");
    }

    @ParameterizedTest
    @ValueSource(strings = {"png", "jpg", "gif", "bmp"})
    void thePixelCapUsesTheSizeInTheHeader(String format) throws Exception {
        Path file = write(noise(40, 30), "photo." + format);
        ImageInput at = ImageInput.builder().setChannels(3).setImageSize(8).optMaxPixels(1200).build();
        ImageInput below = ImageInput.builder().setChannels(3).setImageSize(8).optMaxPixels(1199).build();
        assertThat(at.read(List.of(file)).size()).isEqualTo(1);
        assertThatThrownBy(() -> below.read(List.of(file))).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(file + " (").hasMessageContaining("declares 40x30 = 1,200 pixels")
                .hasMessageContaining("limit of 1,199");
    }

    /**
     * PNGs of under 100 bytes whose headers declare 100,000 x 100,000 (10 GB decoded; the JDK's reader would refuse
     * that itself, as over 2^31 pixels) and 30,000 x 30,000 grey pixels (900 MB, which the JDK's reader would
     * allocate). Both are refused from the header: the thread allocates well under 8 MB.
     */
    @ParameterizedTest
    @ValueSource(ints = {100_000, 30_000})
    void aPngDeclaringHugeDimensionsIsRefusedWithoutAllocatingIt(int side) throws Exception {
        byte[] bomb = pngHeaderOnly(side, side);
        Path file = Files.write(dir.resolve("bomb.png"), bomb);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> input.read(List.of(file))).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(String.format(java.util.Locale.ROOT, "declares %dx%d = %,d pixels", side, side,
                        (long) side * side))
                .hasMessageContaining("limit of 40,000,000").hasMessageContaining("refused before decoding");
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated while refusing the file").isLessThan(8L << 20);
        assertThatThrownBy(() -> input.decode(new ByteArrayInputStream(bomb), "upload #3"))
                .isInstanceOf(LayerShuffleException.class).hasMessageStartingWith("upload #3 (PNG) declares");
    }

    /** PNG signature, an IHDR for {@code w x h} 8-bit grey pixels, one IDAT of a few zero bytes, IEND. */
    static byte[] pngHeaderOnly(int w, int h) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeInt(w);
        d.writeInt(h);
        d.write(new byte[] {8, 0, 0, 0, 0});   // bit depth 8, grey, deflate, no filter, no interlace
        chunk(out, "IHDR", ihdr.toByteArray());
        Deflater deflater = new Deflater();
        deflater.setInput(new byte[16]);
        deflater.finish();
        byte[] idat = new byte[64];
        chunk(out, "IDAT", Arrays.copyOf(idat, deflater.deflate(idat)));
        chunk(out, "IEND", new byte[0]);
        return bytes.toByteArray();
    }

    private static void chunk(DataOutputStream out, String type, byte[] data) throws Exception {
        byte[] name = type.getBytes(StandardCharsets.US_ASCII);
        out.writeInt(data.length);
        out.write(name);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(name);
        crc.update(data);
        out.writeInt((int) crc.getValue());
    }

    @Test
    void aStreamIsNamedByTheNameGiven() throws Exception {
        byte[] png = Files.readAllBytes(write(noise(9, 7), "ok.png"));
        BufferedImage image = input.decode(new ByteArrayInputStream(png), "upload #1");
        assertThat(image.getWidth()).isEqualTo(9);
        assertThatThrownBy(() -> input.decode(new ByteArrayInputStream(Arrays.copyOf(png, 60)), "upload #2"))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("upload #2")
                .hasMessageContaining("truncated or corrupt");
    }
}
