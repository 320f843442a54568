package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The launcher's glibc allocator settings ({@code malloc_settings} in {@code ./layershuffle}), run with bash: the
 * three variables by default, each only where the user has not set it, none with
 * {@code LAYERSHUFFLE_MALLOC_TUNING=false}, and a refusal of any other value.
 */
class LauncherMallocTest {
    private static final String MMAP = "MALLOC_MMAP_THRESHOLD_=67108864";
    private static final String TRIM = "MALLOC_TRIM_THRESHOLD_=268435456";
    private static final String PAD = "MALLOC_TOP_PAD_=67108864";

    private static String[] run(Map<String, String> env) throws IOException, InterruptedException {
        return LauncherFunctions.run("malloc_settings", List.of("LAYERSHUFFLE_MALLOC_TUNING", "MALLOC_MMAP_THRESHOLD_",
                "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_"), env);
    }

    @Test
    void keepsFreedMemoryByDefaultAndLeavesTheUsersOwnSettings() throws IOException, InterruptedException {
        LauncherFunctions.assumeAvailable();
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
