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
 * The launcher's glibc allocator settings ({@code malloc_settings} in {@code ./layershuffle}), run with bash: the
 * three variables by default, each only where the user has not set it, none with
 * {@code LAYERSHUFFLE_MALLOC_TUNING=false}, and a refusal of any other value.
 */
class LauncherMallocTest {
    private static final Path LAUNCHER = Path.of("..", "layershuffle");
    private static final String MMAP = "MALLOC_MMAP_THRESHOLD_=67108864";
    private static final String TRIM = "MALLOC_TRIM_THRESHOLD_=268435456";
    private static final String PAD = "MALLOC_TOP_PAD_=67108864";

    private static String[] run(Map<String, String> env) throws IOException, InterruptedException {
        String script = "set -euo pipefail; eval \"$(sed -n '/^malloc_settings() {/,/^}/p' " + LAUNCHER
                + ")\"; malloc_settings";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script);
        for (String v : new String[] {"LAYERSHUFFLE_MALLOC_TUNING", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
            "MALLOC_TOP_PAD_"}) {
            pb.environment().remove(v);
        }
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out, err};
    }

    @Test
    void keepsFreedMemoryByDefaultAndLeavesTheUsersOwnSettings() throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(LAUNCHER), "the launcher is at the repository root, beside this module");
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")),
                "needs bash");
        assertThat(run(Map.of())).containsExactly("0", MMAP + "\n" + TRIM + "\n" + PAD, "");
        assertThat(run(Map.of("LAYERSHUFFLE_MALLOC_TUNING", "true"))).containsExactly("0", MMAP + "\n" + TRIM + "\n" + PAD,
                "");
        assertThat(run(Map.of("MALLOC_TRIM_THRESHOLD_", "0"))).as("the user's own value stays; the others are added")
                .containsExactly("0", MMAP + "\n" + PAD, "");
        assertThat(run(Map.of("LAYERSHUFFLE_MALLOC_TUNING", "false"))).containsExactly("0", "", "");
        String[] bad = run(Map.of("LAYERSHUFFLE_MALLOC_TUNING", "yes"));
        assertThat(bad[0]).isNotEqualTo("0");
        assertThat(bad[2]).contains("LAYERSHUFFLE_MALLOC_TUNING").contains("yes").contains("true or false");
    }
}
