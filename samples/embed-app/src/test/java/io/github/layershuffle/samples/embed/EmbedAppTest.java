package io.github.layershuffle.samples.embed;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.onnx.export.OnnxExporter;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The app end to end on a tiny random export: what a user runs and reads. */
class EmbedAppTest {
    @TempDir
    static Path dir;
    static Path export;
    static Path image;

    @BeforeAll
    static void setUp() throws Exception {
        ModelConfig config = ModelConfig.builder().imageSize(8).channels(3).patchSize(4).width(16).depth(4).heads(2)
                .mlpWidth(32).classes(5).variant(Variant.LAYERSHUFFLE)
                .labels(List.of("cat", "dog", "owl", "fox", "elk")).build();
        Random rnd = new Random(1);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        VitLayout.shapes(config).forEach((name, shape) -> {
            float[] data = new float[Math.toIntExact(Tensor.elementCount(shape))];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((name.contains("norm") && name.endsWith(".weight") ? 1 : 0)
                        + 0.3 * rnd.nextGaussian());
            }
            tensors.put(name, new Tensor(name, shape, data));
        });
        export = OnnxExporter.create().export(new Checkpoint(config, "fam", Map.of(), tensors), dir.resolve("export"));
        BufferedImage picture = new BufferedImage(32, 24, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 24; y++) {
            for (int x = 0; x < 32; x++) {
                picture.setRGB(x, y, (x * 8) << 16 | (y * 10) << 8 | 0x40);
            }
        }
        image = dir.resolve("picture.png");
        ImageIO.write(picture, "png", image.toFile());
    }

    private static String[] run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = EmbedApp.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[] {String.valueOf(status), out.toString(StandardCharsets.UTF_8),
            err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void printsThePlanAndTheTopThreeLabels() {
        String[] r = run("--export", export.toString(), "--policy", "random:4", "--keep", "2", "--skip", "1",
                image.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        List<String> lines = r[1].lines().toList();
        assertThat(lines.get(0)).contains("layershuffle, 4 blocks, 8x8 RGB, policy random:4 keep 2 skip 1");
        assertThat(lines.get(1)).startsWith(image + "  plan [").doesNotContain("1,").doesNotContain(", 1]");
        assertThat(lines.get(1).replaceAll(".*plan \\[(.*)]", "$1").split(", ")).hasSize(2);
        assertThat(lines.subList(2, 5)).allMatch(l -> l.matches("  [123]\\. (cat|dog|owl|fox|elk) +\\d+\\.\\d\\d%"));
        assertThat(lines).hasSize(5);
    }

    @Test
    void fixedPlansRunAsGivenAndBadInputIsAnErrorNotACrash() throws Exception {
        String[] r = run("--export", export.toString(), "--policy", "fixed:3,0,2", image.toString());
        assertThat(r[1]).contains("plan [3, 0, 2]");
        Path notImage = Files.writeString(dir.resolve("x.png"), "text");
        r = run("--export", export.toString(), notImage.toString(), image.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("x.png is not an image");
        assertThat(r[1]).contains(image + "  plan [0, 1, 2, 3]");
        r = run("--export", dir.resolve("nowhere").toString(), image.toString());
        assertThat(r[0]).isEqualTo("1");
        assertThat(r[2]).contains("nowhere");
        r = run(image.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--export DIR is required").contains("Usage:");
        r = run("--export", export.toString(), "--keep", "x", image.toString());
        assertThat(r[2]).contains("--keep x is not a whole number");
        assertThat(run("--help")[1]).contains("--policy P");
    }

    @Test
    void cropTakesTheCentreSquareOfAWideImage() {
        String[] stretched = run("--export", export.toString(), image.toString());
        String[] cropped = run("--export", export.toString(), "--crop", image.toString());
        assertThat(cropped[0]).as(cropped[2]).isEqualTo("0");
        List<String> lines = cropped[1].lines().toList();
        assertThat(lines.get(0)).endsWith("policy sequential, centre crop");
        // the 32x24 picture's colour changes along both axes, so its centre 24x24 square classifies differently
        assertThat(lines.subList(2, 5)).isNotEqualTo(stretched[1].lines().toList().subList(2, 5));
    }

    @Test
    void theReadmeShowsTheQuickstartAsItIsCompiled() throws Exception {
        String source = Files.readString(Path.of("src/main/java/io/github/layershuffle/samples/embed/Quickstart.java"));
        String start = "// --8<-- [start:quickstart]\n";
        String body = source.substring(source.indexOf(start) + start.length(),
                source.indexOf("        // --8<-- [end:quickstart]"));
        String readme = Files.readString(Path.of("README.md"));
        String unindented = body.lines().map(l -> l.startsWith("        ") ? l.substring(8) : l)
                .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
        assertThat(unindented).contains("LayerShuffleModel.load").contains("topK(0, 3)");
        assertThat(readme).contains(unindented);
    }
}
