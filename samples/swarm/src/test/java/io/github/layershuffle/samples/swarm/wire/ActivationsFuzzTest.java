package io.github.layershuffle.samples.swarm.wire;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.github.layershuffle.samples.swarm.proto.Tensor;

/**
 * Fuzzes the decoding of activations a swarm peer sends: a {@link Tensor} message parsed from the wire, then
 * {@link Activations#decode} against the tokens contract {@code [batch, 5, 16]} with batches up to 64. The only
 * throwables allowed are protobuf's parse error and the {@link IllegalArgumentException} that decode documents,
 * with a message of bounded length; what decode returns has the checked shape and only finite values. {@code mvn
 * verify} fuzzes it (CONTRIBUTING.md); {@code mvn test} replays the seeds in {@code ActivationsFuzzTestInputs}.
 */
class ActivationsFuzzTest {
    private static final long[] EXPECTED = {-1, 5, 16};
    private static final int MAX_BATCH = 64;

    @FuzzTest
    void decode(byte[] wire) {
        Tensor tensor;
        try {
            tensor = Tensor.parseFrom(wire);
        } catch (InvalidProtocolBufferException e) {
            return; // gRPC refuses such a message before the service sees it
        }
        try {
            Activations.Decoded d = Activations.decode(tensor, "tokens", EXPECTED, MAX_BATCH);
            assertThat(d.batch()).isBetween(1, MAX_BATCH);
            assertThat(d.data().capacity()).isEqualTo(d.batch() * 5 * 16);
            for (int i = 0; i < d.data().capacity(); i++) {
                assertThat(Float.isFinite(d.data().get(i))).isTrue();
            }
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).isNotBlank();
            assertThat(e.getMessage().length()).as(e.getMessage()).isLessThanOrEqualTo(2 * wire.length + 4096);
        }
    }
}
