package io.github.layershuffle.cli.experiment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.data.FashionMnist;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything that decides what an {@link Experiment} computes: the model, how the base model and the
 * fine-tuned models are trained, how much data each step sees, and which measurements are taken. Three
 * presets: {@link #smoke()} (a couple of minutes, for CI), {@link #small()} (the paper's protocol on
 * Fashion-MNIST, about two hours on two CPU cores) and {@link #paper()} (ViT-B/16 from a Hugging Face
 * checkpoint on an ImageNet-style folder, for a GPU machine).
 *
 * <pre>{@code
 * ExperimentSettings s = ExperimentSettings.preset("small");
 * ExperimentSettings quick = s.withSeeds(2).withImages(10_000, 1_000, 1_000);
 * }</pre>
 *
 * @param preset               the preset's name, recorded in reports
 * @param model                the architecture (its variant is that of the base model: baseline)
 * @param baseEpochs           epochs of sequential base training; 0 when the base is imported
 * @param baseLearningRate     peak learning rate of the base training (warm-up then cosine)
 * @param fineTuneEpochs       epochs of each fine-tuning run (the best epoch by validation loss is kept)
 * @param fineTuneLearningRate constant learning rate of the fine-tuning runs (Adam, as the paper)
 * @param batchSize            images per training step
 * @param trainImages          training images used (a fixed seeded subset; at most what the data has)
 * @param validationImages     validation images used for model selection
 * @param testImages           test images every accuracy is measured on
 * @param methods              the fine-tuning variants compared
 * @param seeds                fine-tuning runs per method (seeds 1 to {@code seeds})
 * @param evalSeeds            random-order evaluations per model, averaged (plans drawn with seeds 0..n-1)
 * @param keeps                numbers of blocks kept in the pruning curves (the last is usually the depth)
 * @param merges               random merges per method (Frankenstein models)
 * @param probeImages          images whose block outputs feed the linear probe of the slot
 * @param probeMethods         methods the probe is run on
 * @param ortMethods           methods whose checkpoints are also exported and measured with ONNX Runtime
 * @param evalBatchSize        images per evaluation pass; each pass draws its own plan
 */
public record ExperimentSettings(String preset, ModelConfig model, int baseEpochs, double baseLearningRate,
                                 int fineTuneEpochs, double fineTuneLearningRate, int batchSize, int trainImages,
                                 int validationImages, int testImages, List<Variant> methods, int seeds,
                                 int evalSeeds, List<Integer> keeps, int merges, int probeImages,
                                 List<Variant> probeMethods, List<Variant> ortMethods, int evalBatchSize) {

    /** The names {@link #preset(String)} accepts. */
    public static final List<String> PRESETS = List.of("smoke", "small", "paper");

    /** The five methods of the paper, in its order. */
    public static final List<Variant> ALL_METHODS = List.of(Variant.BASELINE, Variant.LAYERDROP,
            Variant.LAYERSHUFFLE, Variant.LAYERSHUFFLE_POSITION, Variant.LAYERSHUFFLE_PREDICT);

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException naming the field, its value and the allowed range
     */
    public ExperimentSettings {
        Objects.requireNonNull(preset, "preset");
        Objects.requireNonNull(model, "model");
        methods = List.copyOf(methods);
        keeps = List.copyOf(keeps);
        probeMethods = List.copyOf(probeMethods);
        ortMethods = List.copyOf(ortMethods);
        positive("fineTuneEpochs", fineTuneEpochs);
        positive("batchSize", batchSize);
        positive("trainImages", trainImages);
        positive("validationImages", validationImages);
        positive("testImages", testImages);
        positive("seeds", seeds);
        positive("evalSeeds", evalSeeds);
        positive("merges", merges);
        positive("probeImages", probeImages);
        positive("evalBatchSize", evalBatchSize);
        if (baseEpochs < 0) {
            throw new IllegalArgumentException("baseEpochs must be >= 0, was " + baseEpochs);
        }
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("methods must name at least one variant");
        }
        for (int k : keeps) {
            if (k < 1 || k > model.depth()) {
                throw new IllegalArgumentException("keeps holds " + k + ", outside [1, " + model.depth()
                        + "] (the model's depth)");
            }
        }
        for (Variant v : probeMethods) {
            if (!methods.contains(v)) {
                throw new IllegalArgumentException("probe method " + v + " is not among the methods " + methods);
            }
        }
        for (Variant v : ortMethods) {
            if (!methods.contains(v)) {
                throw new IllegalArgumentException("ORT method " + v + " is not among the methods " + methods);
            }
        }
    }

    private static void positive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " must be at least 1, was " + value);
        }
    }

    /**
     * A preset by name.
     *
     * @throws IllegalArgumentException naming the name and the valid choices
     */
    public static ExperimentSettings preset(String name) {
        return switch (name == null ? "" : name.strip().toLowerCase(Locale.ROOT)) {
            case "smoke" -> smoke();
            case "small" -> small();
            case "paper" -> paper();
            default -> throw new IllegalArgumentException("unknown preset '" + name + "', expected one of " + PRESETS);
        };
    }

    /**
     * A CI-sized run of the whole pipeline: 4 blocks of width 32 (patch 7) on 4,096 Fashion-MNIST images, three
     * base epochs and one fine-tuning epoch, two seeds, 1,000 test images. Its numbers show the pipeline works,
     * not what the paper found.
     */
    public static ExperimentSettings smoke() {
        ModelConfig model = fashionMnist().patchSize(7).width(32).depth(4).heads(2).mlpWidth(64).build();
        return new ExperimentSettings("smoke", model, 3, 2e-3, 1, 1e-3, 64, 4096, 512, 1000, ALL_METHODS, 2, 2,
                List.of(1, 2, 3, 4), 3, 256, List.of(Variant.BASELINE, Variant.LAYERSHUFFLE,
                Variant.LAYERSHUFFLE_POSITION), List.of(Variant.LAYERSHUFFLE), 128);
    }

    /**
     * The protocol of DESIGN.md section 5 at a size two CPU cores finish well within two hours: a 12-block ViT
     * (28x28, patch 7, width 64, 4 heads, MLP 128) trained sequentially for 5 epochs on the 55,000 training
     * images (5,000 held out for model selection), then fine-tuned for 2 epochs at the paper's lr 1e-4 with each
     * of the five methods and three seeds, measured on the 10,000 test images. Patch 7 (17 tokens) instead of 4
     * (50 tokens) is what makes it fit: on the 2-core machine it took 47 minutes with one PyTorch thread
     * ({@code OMP_NUM_THREADS=1}), an epoch of the 55,000 images 45 to 55 s; with PyTorch's default threads
     * competing with another process an epoch took 2 to 30 times longer. The report records the epoch times.
     */
    public static ExperimentSettings small() {
        ModelConfig model = fashionMnist().patchSize(7).width(64).depth(12).heads(4).mlpWidth(128).build();
        return new ExperimentSettings("small", model, 5, 1e-3, 2, 1e-4, 128, 55_000, 5_000, 10_000, ALL_METHODS, 3,
                3, List.of(3, 6, 9, 12), 5, 960, List.of(Variant.BASELINE, Variant.LAYERSHUFFLE,
                Variant.LAYERSHUFFLE_POSITION), List.of(Variant.LAYERSHUFFLE), 250);
    }

    /**
     * The paper's setting, for a GPU machine: ViT-B/16 at 224x224 refined from a Hugging Face checkpoint
     * (no base training; {@code --init-hf}) on an ImageNet-style folder ({@code --data}), 20 epochs at lr 1e-4
     * and batch 128, five seeds per method, 100 merges. The classes come from the data folder.
     */
    public static ExperimentSettings paper() {
        ModelConfig model = ModelConfig.vitB16(1000);
        return new ExperimentSettings("paper", model, 0, 1e-4, 20, 1e-4, 128, Integer.MAX_VALUE, Integer.MAX_VALUE,
                Integer.MAX_VALUE, ALL_METHODS, 5, 5, List.of(3, 6, 9, 12), 100, 1000,
                List.of(Variant.BASELINE, Variant.LAYERSHUFFLE, Variant.LAYERSHUFFLE_POSITION),
                List.of(Variant.LAYERSHUFFLE), 128);
    }

    private static ModelConfig.Builder fashionMnist() {
        return ModelConfig.builder().imageSize(FashionMnist.IMAGE_SIZE).channels(1).classes(FashionMnist.LABELS.size())
                .labels(FashionMnist.LABELS).variant(Variant.BASELINE);
    }

    /** The same settings with another model (e.g. the classes of the data found). */
    public ExperimentSettings withModel(ModelConfig newModel) {
        return new ExperimentSettings(preset, newModel, baseEpochs, baseLearningRate, fineTuneEpochs,
                fineTuneLearningRate, batchSize, trainImages, validationImages, testImages, methods, seeds, evalSeeds,
                keeps, merges, probeImages, probeMethods, ortMethods, evalBatchSize);
    }

    /** The same settings with other data sizes. */
    public ExperimentSettings withImages(int train, int validation, int test) {
        return new ExperimentSettings(preset, model, baseEpochs, baseLearningRate, fineTuneEpochs,
                fineTuneLearningRate, batchSize, train, validation, test, methods, seeds, evalSeeds, keeps, merges,
                probeImages, probeMethods, ortMethods, evalBatchSize);
    }

    /** The same settings with other epochs for the base and the fine-tuning runs. */
    public ExperimentSettings withEpochs(int base, int fineTune) {
        return new ExperimentSettings(preset, model, base, baseLearningRate, fineTune, fineTuneLearningRate,
                batchSize, trainImages, validationImages, testImages, methods, seeds, evalSeeds, keeps, merges,
                probeImages, probeMethods, ortMethods, evalBatchSize);
    }

    /** The same settings with another number of seeds per method. */
    public ExperimentSettings withSeeds(int newSeeds) {
        return new ExperimentSettings(preset, model, baseEpochs, baseLearningRate, fineTuneEpochs,
                fineTuneLearningRate, batchSize, trainImages, validationImages, testImages, methods, newSeeds,
                evalSeeds, keeps, merges, probeImages, probeMethods, ortMethods, evalBatchSize);
    }

    /** The settings as JSON; a resumed run must find the same JSON in its state file. */
    public ObjectNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode n = f.objectNode();
        n.put("preset", preset);
        n.set("model", model.toJsonNode());
        n.put("baseEpochs", baseEpochs);
        n.put("baseLearningRate", baseLearningRate);
        n.put("fineTuneEpochs", fineTuneEpochs);
        n.put("fineTuneLearningRate", fineTuneLearningRate);
        n.put("batchSize", batchSize);
        n.put("trainImages", trainImages);
        n.put("validationImages", validationImages);
        n.put("testImages", testImages);
        ArrayNode m = n.putArray("methods");
        methods.forEach(v -> m.add(v.id()));
        n.put("seeds", seeds);
        n.put("evalSeeds", evalSeeds);
        ArrayNode k = n.putArray("keeps");
        keeps.forEach(k::add);
        n.put("merges", merges);
        n.put("probeImages", probeImages);
        ArrayNode p = n.putArray("probeMethods");
        probeMethods.forEach(v -> p.add(v.id()));
        ArrayNode o = n.putArray("ortMethods");
        ortMethods.forEach(v -> o.add(v.id()));
        n.put("evalBatchSize", evalBatchSize);
        return n;
    }
}
