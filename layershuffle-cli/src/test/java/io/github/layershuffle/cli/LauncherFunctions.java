package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs one shell function of the {@code ./layershuffle} launcher with bash, in an environment the test sets. */
final class LauncherFunctions {
    static final Path LAUNCHER = Path.of("..", "layershuffle");

    private LauncherFunctions() {
    }

    /** Skips the test where the launcher or bash is missing. */
    static void assumeAvailable() {
        assumeTrue(Files.isRegularFile(LAUNCHER), "the launcher is at the repository root, beside this module");
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")),
                "needs bash");
    }

    /**
     * Calls {@code function} (defined at the start of a line as {@code name() {}) with {@code unset} removed from the
     * environment and {@code env} added: {exit status, standard output, standard error}, both stripped.
     */
    static String[] run(String function, List<String> unset, Map<String, String> env)
            throws IOException, InterruptedException {
        String script = "set -euo pipefail; eval \"$(sed -n '/^" + function + "() {/,/^}/p' " + LAUNCHER + ")\"; "
                + function;
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script);
        unset.forEach(pb.environment()::remove);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new String[] {Integer.toString(p.exitValue()), out, err};
    }
}
