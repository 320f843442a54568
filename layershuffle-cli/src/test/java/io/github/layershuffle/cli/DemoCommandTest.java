package io.github.layershuffle.cli;

import static io.github.layershuffle.cli.LayerShuffleCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.cli.LayerShuffleCliTest.Run;
import io.github.layershuffle.train.data.IdxFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code layershuffle demo} end to end on a few generated Fashion-MNIST-shaped images. */
class DemoCommandTest {
    @TempDir
    Path dir;

    private Run demo(Path data, Path out) {
        return run("demo", "--data", data.toString(), "--out", out.toString(), "--base-epochs", "1", "--epochs", "1",
                "--depth", "2", "--width", "16", "--batch-size", "16", "--quiet");
    }

    @Test
    void demoTrainsABaseAndTwoFineTunesPerMethodAndComparesTheirExports() throws IOException {
        Path data = IdxFiles.write(Files.createDirectories(dir.resolve("fashion")), 60, 20, true);
        Path out = dir.resolve("demo");
        Run d = demo(data, out);
        assertThat(d.code()).as(d.err()).isZero();

        List<String> table = d.out().lines().dropWhile(l -> !l.startsWith("blocks run")).toList();
        assertThat(table.get(0)).matches("blocks run\\s+baseline\\s+LayerShuffle\\s+first plan");
        assertThat(table).anyMatch(l -> l.startsWith("in order ") && l.endsWith("[0, 1]"))
                .anyMatch(l -> l.startsWith("random order "))
                .anyMatch(l -> l.startsWith("reversed ") && l.endsWith("[1, 0]"))
                .anyMatch(l -> l.startsWith("pruned: first block, in order ") && l.endsWith("[0]"))
                .anyMatch(l -> l.startsWith("Frankenstein of 2 models, random order ") && l.contains("slots ["));
        assertThat(d.out()).contains("test accuracy on 20 images");

        for (String run : new String[] {"base", "baseline-1", "baseline-2", "layershuffle-1", "layershuffle-2"}) {
            assertThat(out.resolve(run).resolve("best.safetensors")).exists();
        }
        Path export = out.resolve("export-layershuffle-1").toAbsolutePath();
        assertThat(export.resolve("manifest.json")).exists();
        BufferedImage png = ImageIO.read(out.resolve("test-image-0.png").toFile());
        assertThat(png.getWidth()).isEqualTo(28);
        assertThat(png.getHeight()).isEqualTo(28);
        assertThat(d.out()).contains(DemoCommand.embedAppCommand(export, out.resolve("test-image-0.png")
                .toAbsolutePath())).contains("samples/embed-app").contains("demo finished in");
        // one line per step: what it does, then what it did
        assertThat(d.err()).contains("[1/6] base: ").contains("[1/6] done in ").contains("[2/6] baseline-1: ")
                .contains("[5/6] layershuffle-2: ").contains("[6/6] done in ").contains("in a random order the "
                        + "baseline falls");

        // a rerun replaces the demo's own runs
        Run again = demo(data, out);
        assertThat(again.code()).as(again.err()).isZero();
    }

    @Test
    void demoRefusesADirectoryItDidNotMake() throws IOException {
        Path data = IdxFiles.write(Files.createDirectories(dir.resolve("fashion")), 60, 20, true);
        Path mine = Files.createDirectories(dir.resolve("mine"));
        Files.writeString(mine.resolve("notes.txt"), "keep me");
        Run r = demo(data, mine);
        assertThat(r.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(r.err()).contains(mine.toString()).contains("not made by layershuffle demo");
        assertThat(mine.resolve("notes.txt")).hasContent("keep me");
        assertThat(mine.resolve("base")).doesNotExist();
    }

    @Test
    void aPreviousDemosRunsAreRemovedButNothingElse() throws IOException {
        Path out = dir.resolve("demo");
        DemoCommand.prepare(out);
        Files.createDirectories(out.resolve("base/x"));
        Files.createDirectories(out.resolve("layershuffle-2"));
        Files.createDirectories(out.resolve("keep"));
        DemoCommand.prepare(out);
        assertThat(out.resolve("base")).doesNotExist();
        assertThat(out.resolve("layershuffle-2")).doesNotExist();
        assertThat(out.resolve("keep")).exists();
        assertThat(out.resolve(DemoCommand.MARKER)).exists();
    }

    @Test
    void anExplicitDataDirectoryWithoutFashionMnistIsAnErrorNotAnInstall() {
        Path missing = dir.resolve("no-data");
        Run r = run("demo", "--data", missing.toString(), "--out", dir.resolve("demo").toString(), "--quiet");
        assertThat(r.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(r.err()).contains(missing.toString()).contains("train-images-idx3-ubyte")
                .doesNotContain("installing");
    }
}
