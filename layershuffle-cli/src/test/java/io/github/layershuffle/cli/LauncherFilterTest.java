package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launcher's filter of libtorch's warning lines ({@code torch_warning_filter} in {@code ./layershuffle}), run
 * with bash and perl on what the JVM's standard error could hold: the warning goes, everything else (progress bar
 * redraws with carriage returns, a line that merely starts with a bracket, a libtorch error) stays, byte for byte.
 */
class LauncherFilterTest {
    private static final Path LAUNCHER = Path.of("..", "layershuffle");

    @Test
    void dropsLibtorchWarningLinesAndPassesTheRest() throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(LAUNCHER), "the launcher is at the repository root, beside this module");
        assumeTrue(onPath("bash") && onPath("perl"), "the filter needs bash and perl (perl-base is essential on "
                + "Debian)");
        String input = "step one\n"
                + "[W1201 21:11:58.828932952 LegacyTypeDispatch.h:74] Warning: AutoNonVariableTypeMode is deprecated "
                + "and will be removed in 1.10 release. (function operator())\n"
                + "[1/6] base: a ViT\r 10% [==   ]\r 20% [====  ]\n"
                + "[E1201 21:12:00.000000001 Foo.cpp:1] an error stays\n"
                + "a last line without newline";
        String expected = "step one\n[1/6] base: a ViT\r 10% [==   ]\r 20% [====  ]\n"
                + "[E1201 21:12:00.000000001 Foo.cpp:1] an error stays\na last line without newline";
        String script = "eval \"$(sed -n '/^torch_warning_filter() {/,/^}/p' " + LAUNCHER + ")\"; torch_warning_filter";
        Process p = new ProcessBuilder("bash", "-c", script).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        assertThat(out).isEqualTo(expected);
    }

    private static boolean onPath(String program) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, program))) {
                return true;
            }
        }
        return false;
    }
}
