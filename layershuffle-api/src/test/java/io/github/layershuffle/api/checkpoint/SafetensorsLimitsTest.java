package io.github.layershuffle.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Malicious safetensors files: each fault is refused by name before the reader allocates for it (issue 11). */
class SafetensorsLimitsTest {
    @TempDir
    Path dir;

    private final SplittableRandom random = new SplittableRandom(11);

    /** A file with this header length field, this header text and {@code dataBytes} of data. */
    private Path file(long headerLength, String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(h);
        Path f = dir.resolve("t" + random.nextInt(1 << 30) + ".safetensors");
        Files.write(f, b.array());
        return f;
    }

    private Path file(String header, int dataBytes) throws IOException {
        return file(header.getBytes(StandardCharsets.UTF_8).length, header, dataBytes);
    }

    private static String tensor(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + ","
                + end + "]}";
    }

    @Test
    void headerLengthsPastTheFileOrTheCapAreRefused() throws IOException {
        String header = "{" + tensor("w", "F32", "[1]", 0, 4) + "}";
        int length = header.length();
        for (long bad : new long[] {length + 5, length + 1 + random.nextInt(1000), Safetensors.MAX_HEADER_BYTES + 1,
                Long.MAX_VALUE, -1 - random.nextInt(1000), 0}) {
            Path f = file(bad, header, 4);
            assertThatThrownBy(() -> Safetensors.read(f)).as("length " + bad)
                    .isInstanceOf(LayerShuffleException.class).hasMessageContaining(f.toString())
                    .hasMessageContaining("header length " + bad)
                    .hasMessageContaining("" + Safetensors.MAX_HEADER_BYTES);
        }
        assertThat(Safetensors.read(file(length, header, 4)).tensors()).containsKey("w");
    }

    @Test
    void shapesWhoseByteCountOverflowAreRefusedWithTheLibrarysException() throws IOException {
        for (String shape : new String[] {"[4294967296,4294967296]", "[9223372036854775807,2]",
                "[2305843009213693952]", "[3037000500,3037000500]"}) {
            Path f = file("{" + tensor("big", "F32", shape, 0, 4) + "}", 4);
            assertThatThrownBy(() -> Safetensors.read(f)).as(shape).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("'big'").hasMessageContaining(f.toString());
        }
    }

    @Test
    void byteLengthsThatDoNotMatchTheShapeAreRefused() throws IOException {
        for (int i = 0; i < 20; i++) {
            int rows = 1 + random.nextInt(5);
            int cols = 1 + random.nextInt(5);
            String dtype = random.nextBoolean() ? "F32" : "BF16";
            long needed = (long) rows * cols * (dtype.equals("F32") ? 4 : 2);
            long given = needed + (random.nextBoolean() ? 1 + random.nextInt(8) : -1 - random.nextInt((int) needed));
            Path f = file("{" + tensor("m", dtype, "[" + rows + "," + cols + "]", 0, given) + "}", 200);
            assertThatThrownBy(() -> Safetensors.read(f)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("'m'").hasMessageContaining("needs " + needed + " bytes");
        }
    }

    @Test
    void offsetsOutsideTheDataAreRefused() throws IOException {
        for (long[] bad : new long[][] {{-4, 0}, {8, 4}, {96, 100}, {Long.MAX_VALUE - 3, Long.MAX_VALUE}}) {
            Path f = file("{" + tensor("x", "F32", "[1]", bad[0], bad[1]) + "}", 16);
            assertThatThrownBy(() -> Safetensors.read(f)).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("'x'").hasMessageContaining("outside the 16 data bytes");
        }
    }

    @Test
    void overlappingTensorsAreRefused() throws IOException {
        for (int i = 0; i < 20; i++) {
            int a = 1 + random.nextInt(8);
            int b = 1 + random.nextInt(8);
            int start = random.nextInt(4 * a); // b's first byte lies inside a
            String header = "{" + tensor("a", "F32", "[" + a + "]", 0, 4L * a) + ","
                    + tensor("b", "F32", "[" + b + "]", start, start + 4L * b) + "}";
            Path f = file(header, 4 * (a + b) + 4);
            assertThatThrownBy(() -> Safetensors.read(f)).as(header).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("overlaps").hasMessageContaining("'a'").hasMessageContaining("'b'");
        }
        String adjacent = "{" + tensor("a", "F32", "[2]", 0, 8) + "," + tensor("b", "F32", "[2]", 8, 16) + ","
                + tensor("empty", "F32", "[0]", 4, 4) + "}";
        assertThat(Safetensors.read(file(adjacent, 16)).tensors()).containsOnlyKeys("a", "b", "empty");
    }

    @Test
    void nonIntegerShapesAndOffsetsAreRefused() throws IOException {
        for (String h : new String[] {tensor("f", "F32", "[2.5]", 0, 8), tensor("f", "F32", "[\"2\"]", 0, 8),
                "\"f\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0.5,8]}"}) {
            Path f = file("{" + h + "}", 8);
            assertThatThrownBy(() -> Safetensors.read(f)).as(h).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining("'f'");
        }
    }

    @Test
    void hugeNamesAndValuesAreCutInMessages() throws IOException {
        String name = "n".repeat(2_000_000 + random.nextInt(1000));
        for (String h : new String[] {tensor(name, "I64", "[1]", 0, 8), tensor("w", "Q" + name, "[1]", 0, 8),
                tensor(name, "F32", "[1]", 0, 8), "\"__metadata__\":{\"" + name + "\":1}"}) {
            Path f = file("{" + h + "}", 8);
            assertThatThrownBy(() -> Safetensors.read(f)).isInstanceOf(LayerShuffleException.class)
                    .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(1000));
        }
    }

    @Test
    void duplicateTensorNamesAreRefused() throws IOException {
        String header = "{" + tensor("w", "F32", "[1]", 0, 4) + "," + tensor("w", "F32", "[1]", 4, 8) + "}";
        Path f = file(header, 8);
        assertThatThrownBy(() -> Safetensors.read(f)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("Duplicate field 'w'");
    }
}
