package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A recipe is untrusted input: its size, its slot count and YAML's anchors and aliases are bounded or refused. */
class RecipeLimitsTest {
    @TempDir
    Path tmp;

    private static String json(int slots) {
        StringBuilder b = new StringBuilder("{\"format\": \"layershuffle-recipe\", \"version\": 1, \"stem\": \"a\", "
                + "\"head\": \"a\", \"slots\": [");
        for (int i = 0; i < slots; i++) {
            b.append(i == 0 ? "" : ",").append("{\"export\": \"a\", \"block\": 0}");
        }
        return b.append("]}").toString();
    }

    @Test
    void aRecipeWithinTheLimitsIsRead() throws Exception {
        Path file = Files.writeString(tmp.resolve("r.json"), json(Recipe.MAX_SLOTS));
        assertThat(Recipe.read(file).slots()).hasSize(Recipe.MAX_SLOTS);
    }

    @Test
    void aRecipeNamedThroughALinkIsRead() throws Exception {
        Path file = Files.writeString(tmp.resolve("r.json"), json(2));
        Path link = Files.createSymbolicLink(tmp.resolve("link.json"), file);
        assertThat(Recipe.read(link).slots()).hasSize(2);
    }

    @Test
    void tooManySlotsAreRefusedByTheCap() throws Exception {
        Path file = Files.writeString(tmp.resolve("r.json"), json(Recipe.MAX_SLOTS + 1));
        assertThatThrownBy(() -> Recipe.read(file)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("r.json").hasMessageContaining("'slots' has " + (Recipe.MAX_SLOTS + 1))
                .hasMessageContaining("Recipe.MAX_SLOTS (" + Recipe.MAX_SLOTS + ")");
    }

    @Test
    void aRecipeLargerThanTheCapIsRefusedBeforeParsing() throws Exception {
        String padded = json(1).replace("\"stem\": \"a\"", "\"stem\": \"" + "a".repeat(Recipe.MAX_BYTES) + "\"");
        for (String name : new String[] {"big.json", "big.yaml"}) {
            Path file = Files.writeString(tmp.resolve(name), padded);
            assertThatThrownBy(() -> Recipe.read(file)).as(name).isInstanceOf(LayerShuffleException.class)
                    .hasMessageContaining(name).hasMessageContaining("Recipe.MAX_BYTES (" + Recipe.MAX_BYTES)
                    .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(1000));
        }
    }

    @Test
    void yamlAnchorsAndAliasesAreRefusedByName() throws Exception {
        Path anchor = Files.writeString(tmp.resolve("anchor.yaml"), """
                format: layershuffle-recipe
                version: 1
                stem: &base exports/a
                head: exports/a
                slots:
                  - {export: exports/a, block: 0}
                """);
        assertThatThrownBy(() -> Recipe.read(anchor)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("anchor.yaml").hasMessageContaining("YAML anchor &'base'")
                .hasMessageContaining("line 3");
        // a valid alias needs an anchor before it, which is refused first; this one is checked on its own
        Path alias = Files.writeString(tmp.resolve("alias.yaml"), """
                format: layershuffle-recipe
                version: 1
                stem: exports/a
                head: *slot
                slots:
                  - {export: exports/a, block: 0}
                """);
        assertThatThrownBy(() -> Recipe.read(alias)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("alias.yaml").hasMessageContaining("YAML alias *'slot'");
    }

    @Test
    void versionZeroIsAnUnknownVersion() throws Exception {
        Path file = Files.writeString(tmp.resolve("r.json"), json(1).replace("\"version\": 1", "\"version\": 0"));
        assertThatThrownBy(() -> Recipe.read(file)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("version 0 is an unknown version")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("newer"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS) // a hang guard: without the check, opening a FIFO blocks forever
    void aFifoIsRefusedWithoutBlocking() throws Exception {
        Path fifo = tmp.resolve("r.yaml");
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            Assumptions.abort("mkfifo is not available on this machine: " + e);
            return;
        }
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        Assumptions.assumeTrue(p.exitValue() == 0, "mkfifo failed on this file system");
        assertThatThrownBy(() -> Recipe.read(fifo)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("r.yaml").hasMessageContaining("not a regular file");
    }
}
