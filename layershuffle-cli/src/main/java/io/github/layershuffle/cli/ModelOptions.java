package io.github.layershuffle.cli;

import io.github.layershuffle.api.LossReduction;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.Variant;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
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

    @Option(names = "--slot-table", paramLabel = "FORM", completionCandidates = SlotTables.class,
            description = "LayerShuffle-position's slot table: ${COMPLETION-CANDIDATES} (default shared, one "
                    + "table of all blocks as the authors' code; per-block is this library's earlier form, "
                    + "after the paper's text).")
    String slotTable;

    @Option(names = "--predict-loss-reduction", paramLabel = "FORM", completionCandidates = LossReductions.class,
            description = "How LayerShuffle-predict's position loss reduces over slots: ${COMPLETION-CANDIDATES} "
                    + "(default mean, as the authors' code; sum is the paper's text and this library's earlier "
                    + "form).")
    String predictLossReduction;

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
        Variant v = Variant.fromId(variant);
        if (slotTable != null) {
            if (!v.usesPosition()) {
                throw new IllegalArgumentException("--slot-table applies to " + Variant.LAYERSHUFFLE_POSITION
                        + " only, not to --variant " + v);
            }
            b.slotTable(SlotTable.fromId(slotTable));
        }
        if (predictLossReduction != null) {
            if (!v.predictsPosition()) {
                throw new IllegalArgumentException("--predict-loss-reduction applies to "
                        + Variant.LAYERSHUFFLE_PREDICT + " only, not to --variant " + v);
            }
            b.predictLossReduction(LossReduction.fromId(predictLossReduction));
        }
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

    /** The ids of {@link SlotTable}, for help and shell completion. */
    static final class SlotTables implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(SlotTable.values()).map(SlotTable::id).iterator();
        }
    }

    /** The ids of {@link LossReduction}, for help and shell completion. */
    static final class LossReductions implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return Arrays.stream(LossReduction.values()).map(LossReduction::id).iterator();
        }
    }

    private static <T> void set(T value, java.util.function.Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }
}
