package io.github.layershuffle.cli;

import static io.github.layershuffle.cli.LayerShuffleCliTest.imageTree;
import static io.github.layershuffle.cli.LayerShuffleCliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.cli.LayerShuffleCliTest.Run;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.Prediction;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README's "Your own images" as a command sequence on a tiny generated image tree: {@code train} on the folder,
 * {@code export}, then what samples/embed-app does with the export (load it with {@code layershuffle-onnx} and
 * classify a PNG in a random order). The embed-app itself is a separate sample depending on layershuffle-onnx only,
 * so this test does its step through the same library calls rather than through its main class; the sample's own
 * tests run its main class on an export.
 */
class OwnImagesTest {
    @TempDir
    Path dir;

    @Test
    void trainExportThenClassifyAPngWithTheExport() throws IOException {
        Path images = imageTree(dir.resolve("my-images"), 10);
        Path runDir = dir.resolve("runs/mine");
        Run train = run("train", "--data", images.toString(), "--image-size", "8", "--channels", "1",
                "--patch-size", "4", "--width", "16", "--depth", "3", "--heads", "2", "--mlp-width", "32",
                "--variant", "layershuffle", "--epochs", "3", "--batch-size", "8", "--lr", "3e-3", "--quiet",
                "--out", runDir.toString());
        assertThat(train.code()).as(train.err()).isZero();
        assertThat(train.out()).contains("best: ");

        Path export = dir.resolve("exports/mine");
        Run exported = run("export", runDir.resolve("best.safetensors").toString(), export.toString());
        assertThat(exported.code()).as(exported.err()).isZero();
        assertThat(export.resolve("manifest.json")).exists();

        Run evaluated = run("evaluate", "--onnx", export.toString(), "--data", images.toString(), "--split",
                "validation", "--policy", "random", "--quiet");
        assertThat(evaluated.code()).as(evaluated.err()).isZero();

        Path png = images.resolve("val/light/0.png");
        BufferedImage img = ImageIO.read(png.toFile());
        float[][][][] pixels = new float[1][1][8][8];
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 8; x++) {
                pixels[0][0][y][x] = img.getRaster().getSample(x, y, 0) / 255f;
            }
        }
        try (LayerShuffleModel model = LayerShuffleModel.load(export)) {
            assertThat(model.labels()).containsExactly("dark", "light");
            Prediction p = model.predict(pixels, ExecutionPolicy.random(42));
            assertThat(p.plan().size()).isEqualTo(3);
            assertThat(p.topK(0, 2)).hasSize(2);
            assertThat(p.topK(0, 2).get(0).label()).isIn("dark", "light");
        }
    }
}
