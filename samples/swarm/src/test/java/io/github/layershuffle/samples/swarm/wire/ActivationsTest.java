package io.github.layershuffle.samples.swarm.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.samples.swarm.proto.Tensor;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class ActivationsTest {

    @Test
    void roundTripsLittleEndianFloat32WithTheShape() {
        float[] v = {1.5f, -2f, 0f, 3.25f, 7f, -0.5f};
        Tensor t = Activations.encode(v, new long[] {2, 3});
        assertThat(t.getShapeList()).containsExactly(2L, 3L);
        assertThat(t.getData().size()).isEqualTo(24);
        assertThat(t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).getFloat(4)).isEqualTo(-2f);
        Activations.Decoded d = Activations.decode(t, "x", new long[] {-1, 3}, 4);
        assertThat(d.batch()).isEqualTo(2);
        assertThat(d.data().isDirect()).isTrue();
        assertThat(d.rows()).isDeepEqualTo(new float[][] {{1.5f, -2f, 0f}, {3.25f, 7f, -0.5f}});
        assertThat(Activations.encode(new float[][] {{1, 2}, {3, 4}}).getShapeList()).containsExactly(2L, 2L);
    }

    @Test
    void aShapeOfThousandsOfDimensionsIsShownByItsRankNotInFull() {
        Tensor.Builder b = Tensor.newBuilder();
        for (int i = 0; i < 5000; i++) {
            b.addShape(10);
        }
        assertThatThrownBy(() -> Activations.decode(b.build(), "tokens", new long[] {-1, 5, 16}, 64))
                .hasMessage("tokens: shape [10, 10, 10, 10, 10, 10, 10, 10, ... (5000 dimensions)] has rank 5000, "
                        + "expected [batch, 5, 16] with batch in [1, 64]");
    }

    @Test
    void refusesWhatDoesNotMatchNamingTheTensor() {
        Tensor t = Activations.encode(new float[6], new long[] {2, 3});
        assertThatThrownBy(() -> Activations.decode(t, "tokens", new long[] {-1, 4}, 8))
                .hasMessage("tokens: shape [2, 3] does not match [batch, 4] with batch in [1, 8] (dimension 1 is 3)");
        assertThatThrownBy(() -> Activations.decode(t, "tokens", new long[] {-1, 3}, 1))
                .hasMessageContaining("dimension 0 is 2");
        assertThatThrownBy(() -> Activations.decode(t, "tokens", new long[] {2, 3, 1}, 8))
                .hasMessageContaining("has rank 2, expected [2, 3, 1]");
        Tensor shortData = t.toBuilder().setData(t.getData().substring(1)).build();
        assertThatThrownBy(() -> Activations.decode(shortData, "tokens", new long[] {2, 3}, 8))
                .hasMessage("tokens: 23 bytes of data, shape [2, 3] needs 24 (4 bytes per float32)");
        Tensor inf = Activations.encode(new float[] {0, Float.POSITIVE_INFINITY}, new long[] {1, 2});
        assertThatThrownBy(() -> Activations.decode(inf, "logits", new long[] {1, 2}, 1))
                .hasMessageContaining("logits: value 1 of shape [1, 2] is Infinity");
        Tensor huge = Tensor.newBuilder().addShape(1L << 20).addShape(1L << 20).build();
        assertThatThrownBy(() -> Activations.decode(huge, "x", new long[] {1L << 20, 1L << 20}, 1))
                .hasMessageContaining("more than one message can carry");
        assertThatThrownBy(() -> Activations.encode(new float[5], new long[] {2, 3}))
                .hasMessageContaining("needs 6 values, the buffer holds 5");
    }
}
