package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher's DJL offline switch ({@code djl_offline_option} in {@code ./layershuffle}), run with bash: offline
 * by default, {@code LAYERSHUFFLE_DJL_OFFLINE=false} for a CUDA user whose DJL downloads its libtorch, and a
 * {@code -Dai.djl.offline=...} of the user's own in {@code LAYERSHUFFLE_JAVA_OPTS} left alone.
 */
class LauncherOfflineTest {
    private static final Path LAUNCHER = Path.of("..", "layershuffle");

    private static String[] run(Map<String, String> env) throws IOException, InterruptedException {
        String script = "set -euo pipefail; eval \"$(sed -n '/^djl_offline_option() {/,/^}/p' " + LAUNCHER
                + ")\"; djl_offline_option";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script);
        pb.environment().remove("LAYERSHUFFLE_JAVA_OPTS");
        pb.environment().remove("LAYERSHUFFLE_DJL_OFFLINE");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out, err};
    }

    @Test
    void offlineByDefaultAndOverridable() throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(LAUNCHER), "the launcher is at the repository root, beside this module");
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")),
                "needs bash");
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
