package io.github.layershuffle.cli;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The model shape options of {@code train}: a preset or config file, then single fields overriding it. */
final class ModelOptions {
    static final String PRESETS = "fashion (28px grey, patch 4, 12 blocks of 64), tiny (28px grey, patch 7, "
            + "4 blocks of 32), vit-b16 (224px RGB, patch 16, 12 blocks of 768)";

    @Option(names = "--preset", paramLabel = "NAME", defaultValue = "fashion",
            description = "Model shape: " + PRESETS + " (default: ${DEFAULT-VALUE}).")
    String preset;

    @Option(names = "--config", paramLabel = "FILE", description = "Model config JSON (docs/FORMATS.md) to "
            + "start from instead of a preset.")
    Path config;

    @Option(names = "--variant", paramLabel = "VARIANT", defaultValue = "layershuffle",
            description = "baseline, layerdrop, layershuffle, layershuffle-position or layershuffle-predict "
                    + "(default: ${DEFAULT-VALUE}).")
    String variant;

    @Option(names = "--image-size", paramLabel = "PX", description = "Image side in pixels.")
    Integer imageSize;

    @Option(names = "--channels", description = "1 (grey) or 3 (RGB).")
    Integer channels;

    @Option(names = "--patch-size", paramLabel = "PX", description = "Patch side in pixels.")
    Integer patchSize;

    @Option(names = "--width", description = "Token width D.")
    Integer width;

    @Option(names = "--depth", description = "Number of transformer blocks.")
    Integer depth;

    @Option(names = "--heads", description = "Attention heads.")
    Integer heads;

    @Option(names = "--mlp-width", description = "Hidden width of each block's MLP.")
    Integer mlpWidth;

    @Option(names = "--dropout", description = "Dropout rate (default 0).")
    Double dropout;

    @Option(names = "--layer-drop-rate", paramLabel = "P", description = "LayerDrop's skip probability "
            + "(default 0.2).")
    Double layerDropRate;

    @Option(names = "--predict-loss-weight", paramLabel = "W", description = "Weight of LayerShuffle-predict's "
            + "position loss (default 1, as the paper).")
    Double predictLossWeight;

    @Option(names = "--position-embedding-width", paramLabel = "F", description = "Slot embedding width of "
            + "LayerShuffle-position (default 32).")
    Integer positionEmbeddingWidth;

    /**
     * The config: {@code base} (a checkpoint's, when fine-tuning) or the preset or file, with the variant,
     * the given fields, and the data's classes and labels.
     *
     * @throws IllegalArgumentException naming an unknown preset or variant, or an invalid field
     */
    ModelConfig resolve(ModelConfig base, List<String> classNames) {
        ModelConfig.Builder b = (base != null ? base : start(classNames.size())).toBuilder();
        b.variant(Variant.fromId(variant)).classes(classNames.size()).labels(classNames);
        if (base == null) {
            set(imageSize, b::imageSize);
            set(channels, b::channels);
            set(patchSize, b::patchSize);
            set(width, b::width);
            set(depth, b::depth);
            set(heads, b::heads);
            set(mlpWidth, b::mlpWidth);
        } else if (imageSize != null || channels != null || patchSize != null || width != null || depth != null
                || heads != null || mlpWidth != null) {
            throw new IllegalArgumentException("a fine-tuned model keeps the shape of its --init checkpoint; "
                    + "drop --image-size, --channels, --patch-size, --width, --depth, --heads and --mlp-width");
        }
        set(dropout, b::dropout);
        set(layerDropRate, b::layerDropRate);
        set(predictLossWeight, b::predictLossWeight);
        set(positionEmbeddingWidth, b::positionEmbeddingWidth);
        return b.build();
    }

    /** The image side and channels the data must be read at, before the classes are known. */
    ModelConfig shapeOnly() {
        ModelConfig.Builder b = start(1).toBuilder();
        set(imageSize, b::imageSize);
        set(channels, b::channels);
        set(patchSize, b::patchSize);
        return b.build();
    }

    private ModelConfig start(int classes) {
        if (config != null) {
            return ModelConfig.read(config).toBuilder().classes(classes).labels(List.of()).build();
        }
        return switch (preset.toLowerCase(Locale.ROOT)) {
            case "fashion", "fashion-mnist" -> ModelConfig.builder().classes(classes).build();
            case "tiny" -> ModelConfig.builder().patchSize(7).width(32).depth(4).heads(2).mlpWidth(64)
                    .classes(classes).build();
            case "vit-b16", "vit-b/16" -> ModelConfig.vitB16(classes);
            default -> throw new IllegalArgumentException("unknown --preset '" + preset + "', expected one of "
                    + PRESETS);
        };
    }

    private static <T> void set(T value, java.util.function.Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }
}
