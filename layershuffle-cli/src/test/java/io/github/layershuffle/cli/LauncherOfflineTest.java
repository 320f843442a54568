package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The launcher's DJL offline switch ({@code djl_offline_option} in {@code ./layershuffle}), run with bash: offline
 * by default, {@code LAYERSHUFFLE_DJL_OFFLINE=false} for a CUDA user whose DJL downloads its libtorch, and a
 * {@code -Dai.djl.offline=...} of the user's own in {@code LAYERSHUFFLE_JAVA_OPTS} left alone.
 */
class LauncherOfflineTest {
    private static String[] run(Map<String, String> env) throws IOException, InterruptedException {
        return LauncherFunctions.run("djl_offline_option", List.of("LAYERSHUFFLE_JAVA_OPTS", "LAYERSHUFFLE_DJL_OFFLINE"),
                env);
    }

    @Test
    void offlineByDefaultAndOverridable() throws IOException, InterruptedException {
        LauncherFunctions.assumeAvailable();
        assertThat(run(Map.of())).containsExactly("0", "-Dai.djl.offline=true", "");
        assertThat(run(Map.of("LAYERSHUFFLE_DJL_OFFLINE", "false"))).containsExactly("0", "-Dai.djl.offline=false", "");
        assertThat(run(Map.of("LAYERSHUFFLE_JAVA_OPTS", "-Xmx8g -Dai.djl.offline=false")))
                .as("the user's own property wins; the launcher adds none").containsExactly("0", "", "");
        assertThat(run(Map.of("LAYERSHUFFLE_JAVA_OPTS", "-Xmx8g"))).containsExactly("0", "-Dai.djl.offline=true", "");
        String[] bad = run(Map.of("LAYERSHUFFLE_DJL_OFFLINE", "maybe"));
        assertThat(bad[0]).isNotEqualTo("0");
        assertThat(bad[2]).contains("LAYERSHUFFLE_DJL_OFFLINE").contains("maybe").contains("true or false");
    }
}
