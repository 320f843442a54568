package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The release runs exactly once, when no call is in flight, however close and the calls interleave. */
class GuardTest {

    @Test
    void withoutCallsCloseReleasesAtOnceAndOnce() {
        Guard guard = new Guard("Thing");
        AtomicInteger released = new AtomicInteger();
        guard.close(released::incrementAndGet, Duration.ZERO);
        guard.close(released::incrementAndGet, Duration.ZERO);
        assertThat(released).hasValue(1);
        assertThatThrownBy(() -> guard.enter("call", "thing", Duration.ZERO))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("this Thing is closed");
    }

    @Test
    void aCallThatOutlivesCloseReleasesWhenItExits() {
        Guard guard = new Guard("Thing");
        AtomicInteger released = new AtomicInteger();
        Call call = guard.enter("call", "thing", Duration.ZERO);
        guard.close(released::incrementAndGet, Duration.ZERO); // returns at once: the grace is zero
        assertThat(guard.isClosed()).isTrue();
        assertThat(released).hasValue(0);
        assertThat(call.reason()).isEqualTo(Call.Reason.CLOSE);
        guard.exit(call);
        assertThat(released).hasValue(1);
    }
}
