package io.github.layershuffle.onnx.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.image.ImageInput;
import io.github.layershuffle.onnx.image.PixelBatch;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.Prediction;
import java.awt.image.BufferedImage;
import java.io.InputStream;
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

/**
 * The image examples of the "Embed" section of {@code docs/GUIDE.md}, compiled and run on a tiny 28x28 grey
 * export. The guide's relative paths ({@code exports/ls}, {@code shoe.png}, ...) are resolved against this test's
 * directory through {@link #at(String)}; otherwise each body is the guide's text.
 */
class GuideImageSnippetsTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void fixture() throws Exception {
        ModelConfig config = ModelConfig.builder().imageSize(28).channels(1).patchSize(7).width(8).depth(4).heads(2)
                .mlpWidth(16).classes(3).variant(Variant.LAYERSHUFFLE).labels(List.of("Sandal", "Shirt", "Sneaker"))
                .build();
        Random random = new Random(1);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        VitLayout.shapes(config).forEach((name, shape) -> {
            float[] data = new float[Math.toIntExact(Tensor.elementCount(shape))];
            for (int i = 0; i < data.length; i++) {
                data[i] = (name.contains("norm") && name.endsWith(".weight") ? 1 : 0) + 0.2f * (float) random.nextGaussian();
            }
            tensors.put(name, new Tensor(name, shape, data));
        });
        OnnxExporter.create().export(new Checkpoint(config, "guide", Map.of(), tensors), at("exports/ls"));
        BufferedImage picture = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                picture.setRGB(x, y, (x * 6) << 16 | (y * 8) << 8 | 0x30);
            }
        }
        for (String name : List.of("shoe.png", "shirt.jpg", "upload.jpg")) {
            assertThat(ImageIO.write(picture, name.endsWith("png") ? "png" : "jpg", at(name).toFile())).isTrue();
        }
    }

    /** The guide's relative path {@code p} in this test's directory. */
    private static Path at(String p) {
        return dir.resolve(p);
    }

    // GUIDE "Embed": the three-line host app
    @Test
    void threeLineHostApp() {
        try (LayerShuffleModel model = LayerShuffleModel.load(at("exports/ls"))) {
            Prediction p = model.predict(List.of(at("shoe.png"), at("shirt.jpg")), ExecutionPolicy.random(42));
            System.out.println(p.plan() + " -> " + p.predictedLabels() + ", image 0: " + p.topK(0, 3));

            assertThat(p.batchSize()).isEqualTo(2);
            assertThat(p.topK(0, 3)).extracting(c -> c.label()).containsExactlyInAnyOrder("Sandal", "Shirt", "Sneaker");
        }
    }

    // GUIDE "Embed", **Images.**
    @Test
    void imageInputWithACropAndAStream() throws Exception {
        try (LayerShuffleModel model = LayerShuffleModel.load(at("exports/ls"))) {
            ImageInput input = ImageInput.builder(model.config())
                    .optFit(ImageInput.Fit.CENTER_CROP)                   // the centred square instead of the whole image
                    .optMaxPixels(12_000_000)                             // refuse larger files (default 40 million)
                    .build();
            BufferedImage upload;
            try (InputStream in = Files.newInputStream(at("upload.jpg"))) {   // or a request body
                upload = input.decode(in, "upload.jpg");                  // the name is what an error message says
            }
            PixelBatch batch = input.batch(upload, ImageIO.read(at("shoe.png").toFile()));
            Prediction p = model.predict(batch, ExecutionPolicy.sequential());   // batch.shape(): [2, C, H, W]

            assertThat(batch.shape()).containsExactly(2, 1, 28, 28);
            assertThat(p.batchSize()).isEqualTo(2);
            assertThat(p.logits(1)).isNotEqualTo(model.predict(List.of(at("shoe.png")), ExecutionPolicy.sequential())
                    .logits(0));   // stretched, not cropped
        }
    }
}
