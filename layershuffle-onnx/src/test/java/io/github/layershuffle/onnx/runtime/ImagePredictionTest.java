package io.github.layershuffle.onnx.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.image.ImageInput;
import io.github.layershuffle.onnx.image.PixelBatch;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image conveniences of {@link LayerShuffleModel} give exactly the logits of {@code predict} on the float
 * array of the same pixels, worked out here by hand ({@code value / 255}, images already of the model's size so
 * that nothing is resized), for grey and RGB models.
 */
class ImagePredictionTest {
    @TempDir
    Path tmp;

    /** Seeded images of {@code config}'s size and channels, and their pixels {@code value / 255}. */
    private static List<BufferedImage> images(ModelConfig config, int n, float[][][][] pixels) {
        SplittableRandom r = new SplittableRandom(5);
        int s = config.imageSize();
        List<BufferedImage> images = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            boolean grey = config.channels() == 1;
            BufferedImage image = new BufferedImage(s, s, grey ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < s; y++) {
                for (int x = 0; x < s; x++) {
                    int[] v = {r.nextInt(256), r.nextInt(256), r.nextInt(256)};
                    if (grey) {
                        image.getRaster().setSample(x, y, 0, v[0]);
                    } else {
                        image.setRGB(x, y, v[0] << 16 | v[1] << 8 | v[2]);
                    }
                    for (int c = 0; c < config.channels(); c++) {
                        pixels[b][c][y][x] = v[c] / 255f;
                    }
                }
            }
            images.add(image);
        }
        return images;
    }

    private List<Path> files(List<BufferedImage> images) throws Exception {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            Path file = tmp.resolve("image-" + i + ".png");
            assertThat(ImageIO.write(images.get(i), "png", file.toFile())).isTrue();
            files.add(file);
        }
        return files;
    }

    @Test
    void greyImagesAndFilesPredictAsTheirFloatArray() throws Exception {
        TestExport export = TestExport.of(Variant.LAYERSHUFFLE, 3);
        ModelConfig c = export.config;
        float[][][][] pixels = new float[3][1][c.imageSize()][c.imageSize()];
        List<BufferedImage> images = images(c, 3, pixels);
        try (LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")))) {
            Prediction expected = model.predict(pixels);
            Prediction fromImages = model.predict(images.toArray(BufferedImage[]::new));
            assertThat(fromImages.plan()).isEqualTo(expected.plan());
            assertThat(fromImages.logits()).isEqualTo(expected.logits());
            assertThat(fromImages.topK(1)).isEqualTo(expected.topK(1));

            Prediction shuffled = model.predict(pixels, ExecutionPolicy.random(9).keep(3));
            Prediction fromFiles = model.predict(files(images), ExecutionPolicy.random(9).keep(3));
            assertThat(fromFiles.plan()).isEqualTo(shuffled.plan());
            assertThat(fromFiles.logits()).isEqualTo(shuffled.logits());
            assertThat(fromFiles.topK(0, 3).get(0).label()).isIn("zero", "one", "two");
        }
    }

    @Test
    void rgbImagesPredictAsTheirFloatArray() throws Exception {
        ModelConfig config = ModelConfig.builder().imageSize(8).channels(3).patchSize(4).width(8).depth(3).heads(2)
                .mlpWidth(16).classes(4).variant(Variant.LAYERSHUFFLE).build();
        SplittableRandom r = new SplittableRandom(2);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        VitLayout.shapes(config).forEach((name, shape) -> {
            float[] data = new float[Math.toIntExact(Tensor.elementCount(shape))];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((name.contains("norm") && name.endsWith(".weight") ? 1 : 0) + 0.3 * r.nextGaussian());
            }
            tensors.put(name, new Tensor(name, shape, data));
        });
        Path dir = OnnxExporter.create().export(new Checkpoint(config, "rgb", Map.of(), tensors), tmp.resolve("rgb"));
        float[][][][] pixels = new float[2][3][8][8];
        List<BufferedImage> images = images(config, 2, pixels);
        try (LayerShuffleModel model = LayerShuffleModel.load(dir)) {
            ExecutionPolicy policy = ExecutionPolicy.fixed(2, 0);
            Prediction expected = model.predict(pixels, policy);
            assertThat(model.predict(files(images), policy).logits()).isEqualTo(expected.logits());
            assertThat(model.predict(ImageInput.of(config).batch(images), policy).logits())
                    .isEqualTo(expected.logits());
            assertThat(model.predict(images.toArray(BufferedImage[]::new)).logits())
                    .isEqualTo(model.predict(pixels).logits());
        }
    }

    @Test
    void onnxRuntimeReadsTheBatchInPlace() throws Exception {
        ModelConfig c = TestExport.config(Variant.BASELINE);
        float[][][][] pixels = new float[2][1][c.imageSize()][c.imageSize()];
        PixelBatch batch = ImageInput.of(c).batch(images(c, 2, pixels));
        try (OnnxTensor tensor = PixelInput.tensor(batch.buffer(), batch.shape(), c)) {
            batch.buffer().put(17, 0.125f);     // written after the tensor was made: seen by it, so not copied
            assertThat(tensor.getFloatBuffer().get(17)).isEqualTo(0.125f);
            assertThat(tensor.getInfo().getShape()).containsExactly(2, 1, c.imageSize(), c.imageSize());
        }
    }

    @Test
    void aBadFileIsNamedAndAClosedModelRefuses() throws Exception {
        TestExport export = TestExport.of(Variant.BASELINE, 4);
        Path text = Files.writeString(tmp.resolve("readme.png"), "text");
        LayerShuffleModel model = LayerShuffleModel.load(export.write(tmp.resolve("e")));
        try (model) {
            assertThatThrownBy(() -> model.predict(List.of(text), ExecutionPolicy.sequential()))
                    .isInstanceOf(LayerShuffleException.class).hasMessageContaining(text + " is not an image");
            assertThatThrownBy(() -> model.predict(List.of(), ExecutionPolicy.sequential()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty batch");
            assertThatThrownBy(() -> model.predict(new BufferedImage[0])).hasMessageContaining("empty batch");
        }
        BufferedImage one = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        assertThatThrownBy(() -> model.predict(one)).isInstanceOf(IllegalStateException.class);
    }
}
