package io.github.layershuffle.api.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes {@link Safetensors#read}: the only throwable it may raise is {@link LayerShuffleException}, with a
 * message of bounded length, and what it returns is consistent. {@code mvn verify} fuzzes it (see
 * CONTRIBUTING.md); {@code mvn test} replays the seeds in {@code SafetensorsFuzzTestInputs/header}.
 *
 * <p>Input layout: byte 0 picks the mode; bytes 1-2 (little-endian) are how many zero data bytes follow the
 * header; the rest is the header. In even modes the length field is the header's true length, so the fuzzer
 * explores the JSON; in odd modes the rest is taken as the file's first bytes, length field included.
 */
class SafetensorsFuzzTest {
    private static final Path FILE = FuzzFiles.temp("fuzz.safetensors");

    @FuzzTest
    void header(byte[] input) throws IOException {
        Files.write(FILE, file(input));
        try {
            SafetensorsFile read = Safetensors.read(FILE);
            for (Tensor t : read.tensors().values()) {
                assertThat((long) t.data().length).isEqualTo(Tensor.elementCount(t.shape()));
            }
        } catch (LayerShuffleException e) {
            FuzzFiles.checkMessage(e, input.length);
        }
    }

    static byte[] file(byte[] input) {
        if (input.length < 3) {
            return input;
        }
        int data = (input[1] & 0xff) | (input[2] & 0xff) << 8;
        int header = input.length - 3;
        boolean raw = (input[0] & 1) == 1;
        ByteBuffer b = ByteBuffer.allocate((raw ? 0 : 8) + header + data).order(ByteOrder.LITTLE_ENDIAN);
        if (!raw) {
            b.putLong(header);
        }
        b.put(input, 3, header);
        return b.array();
    }
}
