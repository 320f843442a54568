package io.github.layershuffle.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * The shape and training variant of a Vision Transformer: one JSON form, shared by checkpoints and exports.
 *
 * <pre>{@code
 * ModelConfig config = ModelConfig.builder()
 *         .imageSize(28).channels(1).patchSize(4)
 *         .width(64).depth(12).heads(4).mlpWidth(128)
 *         .classes(10).variant(Variant.LAYERSHUFFLE)
 *         .build();
 * String json = config.toJson();
 * ModelConfig same = ModelConfig.fromJson(json);
 * }</pre>
 *
 * @param imageSize              side of the square input image in pixels
 * @param channels               input channels (1 for grey, 3 for RGB)
 * @param patchSize              side of a square patch; divides {@code imageSize}
 * @param width                  token width D
 * @param depth                  number of transformer blocks L
 * @param heads                  attention heads; divides {@code width}
 * @param mlpWidth               hidden width of each block's MLP
 * @param classes                number of output classes
 * @param variant                how the model is trained
 * @param positionEmbeddingWidth F, the width of the per-slot embedding of LayerShuffle-position (paper: 32)
 * @param dropout                dropout rate after attention, MLP and position projection
 * @param layerDropRate          LayerDrop's probability of skipping a block in training (paper: 0.2)
 * @param predictLossWeight      weight of LayerShuffle-predict's auxiliary loss (paper: 1, unweighted sum)
 * @param layerNormEps           epsilon of every LayerNorm (1e-6 as timm; Hugging Face ViT uses 1e-12)
 * @param labels                 class names, empty or exactly {@code classes} long
 * @param pixelMean              per-channel mean the stem subtracts from pixels in [0, 1]
 * @param pixelStd               per-channel standard deviation the stem divides by
 * @param slotTable              LayerShuffle-position: one slot table shared by all blocks (the authors' code)
 *                               or one per block
 * @param predictLossReduction   LayerShuffle-predict: the auxiliary loss as the mean over slots (the authors'
 *                               code) or their sum
 */
public record ModelConfig(
        int imageSize,
        int channels,
        int patchSize,
        int width,
        int depth,
        int heads,
        int mlpWidth,
        int classes,
        Variant variant,
        int positionEmbeddingWidth,
        double dropout,
        double layerDropRate,
        double predictLossWeight,
        double layerNormEps,
        List<String> labels,
        List<Double> pixelMean,
        List<Double> pixelStd,
        SlotTable slotTable,
        LossReduction predictLossReduction) {

    /** The JSON {@code format} value of a config. */
    public static final String FORMAT = "layershuffle-config";
    /** The version of the JSON form this library writes; it reads this version and older. */
    public static final int FORMAT_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Validates every field.
     *
     * @throws IllegalArgumentException naming the field, its value and the allowed range
     */
    public ModelConfig {
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(slotTable, "slotTable");
        Objects.requireNonNull(predictLossReduction, "predictLossReduction");
        labels = labels == null ? List.of() : List.copyOf(labels);
        pixelMean = pixelMean == null || pixelMean.isEmpty() ? repeat(0.5, channels) : List.copyOf(pixelMean);
        pixelStd = pixelStd == null || pixelStd.isEmpty() ? repeat(0.5, channels) : List.copyOf(pixelStd);
        if (pixelMean.size() != channels || pixelStd.size() != channels) {
            throw new IllegalArgumentException("pixelMean and pixelStd need one value per channel (" + channels
                    + "), have " + pixelMean.size() + " and " + pixelStd.size());
        }
        for (double sd : pixelStd) {
            if (!(sd > 0) || Double.isInfinite(sd)) {
                throw new IllegalArgumentException("pixelStd values must be finite and > 0, have " + pixelStd);
            }
        }
        positive("imageSize", imageSize);
        positive("channels", channels);
        positive("patchSize", patchSize);
        positive("width", width);
        positive("depth", depth);
        positive("heads", heads);
        positive("mlpWidth", mlpWidth);
        positive("classes", classes);
        positive("positionEmbeddingWidth", positionEmbeddingWidth);
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException(
                    "imageSize (" + imageSize + ") is not divisible by patchSize (" + patchSize + ")");
        }
        if (width % heads != 0) {
            throw new IllegalArgumentException("width (" + width + ") is not divisible by heads (" + heads + ")");
        }
        rate("dropout", dropout);
        rate("layerDropRate", layerDropRate);
        if (!(predictLossWeight >= 0) || Double.isInfinite(predictLossWeight)) {
            throw new IllegalArgumentException("predictLossWeight must be finite and >= 0, was " + predictLossWeight);
        }
        if (!(layerNormEps > 0 && layerNormEps < 1)) {
            throw new IllegalArgumentException("layerNormEps must be in (0, 1), was " + layerNormEps);
        }
        if (!labels.isEmpty() && labels.size() != classes) {
            throw new IllegalArgumentException("labels has " + labels.size() + " names but classes is " + classes);
        }
    }

    private static List<Double> repeat(double value, int times) {
        List<Double> list = new ArrayList<>(Math.max(times, 0));
        for (int i = 0; i < times; i++) {
            list.add(value);
        }
        return List.copyOf(list);
    }

    private static void positive(String field, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(field + " must be at least 1, was " + value);
        }
    }

    private static void rate(String field, double value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(field + " must be in [0, 1), was " + value);
        }
    }

    /** A builder with the defaults of the small Fashion-MNIST model (28x28 grey, patch 4, 12 blocks of 64). */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset to this config. */
    public Builder toBuilder() {
        return new Builder().imageSize(imageSize).channels(channels).patchSize(patchSize).width(width)
                .depth(depth).heads(heads).mlpWidth(mlpWidth).classes(classes).variant(variant)
                .positionEmbeddingWidth(positionEmbeddingWidth).dropout(dropout).layerDropRate(layerDropRate)
                .predictLossWeight(predictLossWeight).layerNormEps(layerNormEps).labels(labels)
                .pixelMean(pixelMean).pixelStd(pixelStd).slotTable(slotTable)
                .predictLossReduction(predictLossReduction);
    }

    /** ViT-B/16 at 224 pixels as Hugging Face's {@code google/vit-base-patch16-224} (LayerNorm eps 1e-12). */
    public static ModelConfig vitB16(int classes) {
        return builder().imageSize(224).channels(3).patchSize(16).width(768).depth(12).heads(12)
                .mlpWidth(3072).classes(classes).layerNormEps(1e-12).build();
    }

    /** The same config trained as {@code variant}. */
    public ModelConfig withVariant(Variant variant) {
        return toBuilder().variant(variant).build();
    }

    /** Patches along one side of the image. */
    public int patchesPerSide() {
        return imageSize / patchSize;
    }

    /** Number of patches N. */
    public int patchCount() {
        return patchesPerSide() * patchesPerSide();
    }

    /** Tokens per image: the class token and one per patch, N + 1. */
    public int tokenCount() {
        return patchCount() + 1;
    }

    /** Width of one attention head. */
    public int headWidth() {
        return width / heads;
    }

    /** The name of class {@code index}: its label, or {@code "class <index>"} without labels. */
    public String label(int index) {
        Objects.checkIndex(index, classes);
        return labels.isEmpty() ? "class " + index : labels.get(index);
    }

    /** The JSON form, with {@code format} and {@code version} fields. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(toJsonNode());
        } catch (JsonProcessingException e) {
            throw new LayerShuffleException("cannot write config as JSON", e);
        }
    }

    /** The JSON form as a Jackson tree, for embedding in a manifest. */
    public ObjectNode toJsonNode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT);
        n.put("version", FORMAT_VERSION);
        n.put("imageSize", imageSize);
        n.put("channels", channels);
        n.put("patchSize", patchSize);
        n.put("width", width);
        n.put("depth", depth);
        n.put("heads", heads);
        n.put("mlpWidth", mlpWidth);
        n.put("classes", classes);
        n.put("variant", variant.id());
        n.put("positionEmbeddingWidth", positionEmbeddingWidth);
        n.put("dropout", dropout);
        n.put("layerDropRate", layerDropRate);
        n.put("predictLossWeight", predictLossWeight);
        n.put("layerNormEps", layerNormEps);
        ArrayNode l = n.putArray("labels");
        labels.forEach(l::add);
        ArrayNode mean = n.putArray("pixelMean");
        pixelMean.forEach(mean::add);
        ArrayNode std = n.putArray("pixelStd");
        pixelStd.forEach(std::add);
        n.put("slotTable", slotTable.id());
        n.put("predictLossReduction", predictLossReduction.id());
        return n;
    }

    /**
     * Reads the JSON form. Unknown fields are ignored (a newer minor writer may add some); optional fields
     * ({@code positionEmbeddingWidth}, {@code dropout}, {@code layerDropRate}, {@code predictLossWeight},
     * {@code layerNormEps}, {@code labels}, {@code slotTable}, {@code predictLossReduction}) take the builder's
     * defaults.
     *
     * @throws LayerShuffleException naming the missing or malformed field, or a version newer than
     *                               {@link #FORMAT_VERSION}
     */
    public static ModelConfig fromJson(String json) {
        JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new LayerShuffleException("config is not valid JSON: " + e.getOriginalMessage(), e);
        }
        return fromJsonNode(node);
    }

    /** Reads the JSON form from a tree; see {@link #fromJson(String)}. */
    public static ModelConfig fromJsonNode(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new LayerShuffleException("config must be a JSON object");
        }
        JsonNode format = node.get("format");
        if (format != null && !FORMAT.equals(format.asText())) {
            throw new LayerShuffleException("config field 'format' is '" + format.asText() + "', expected '"
                    + FORMAT + "'");
        }
        JsonNode version = node.get("version");
        if (version != null && (!version.isInt() || version.asInt() > FORMAT_VERSION || version.asInt() < 1)) {
            throw new LayerShuffleException("config field 'version' is " + version + "; this library reads "
                    + "versions 1 to " + FORMAT_VERSION);
        }
        Builder b = new Builder();
        ModelConfig defaults = b.build();
        b.imageSize(requiredInt(node, "imageSize"))
                .channels(requiredInt(node, "channels"))
                .patchSize(requiredInt(node, "patchSize"))
                .width(requiredInt(node, "width"))
                .depth(requiredInt(node, "depth"))
                .heads(requiredInt(node, "heads"))
                .mlpWidth(requiredInt(node, "mlpWidth"))
                .classes(requiredInt(node, "classes"))
                .positionEmbeddingWidth(optionalInt(node, "positionEmbeddingWidth",
                        defaults.positionEmbeddingWidth()))
                .dropout(optionalDouble(node, "dropout", defaults.dropout()))
                .layerDropRate(optionalDouble(node, "layerDropRate", defaults.layerDropRate()))
                .predictLossWeight(optionalDouble(node, "predictLossWeight", defaults.predictLossWeight()))
                .layerNormEps(optionalDouble(node, "layerNormEps", defaults.layerNormEps()));
        JsonNode variant = node.get("variant");
        if (variant == null || !variant.isTextual()) {
            throw new LayerShuffleException("config field 'variant' is missing or not a string");
        }
        try {
            b.variant(Variant.fromId(variant.asText()));
        } catch (IllegalArgumentException e) {
            throw new LayerShuffleException("config field 'variant': " + e.getMessage(), e);
        }
        JsonNode labels = node.get("labels");
        if (labels != null && !labels.isNull()) {
            if (!labels.isArray()) {
                throw new LayerShuffleException("config field 'labels' must be an array of strings");
            }
            List<String> names = new ArrayList<>();
            labels.forEach(l -> names.add(l.asText()));
            b.labels(names);
        }
        b.pixelMean(optionalDoubles(node, "pixelMean")).pixelStd(optionalDoubles(node, "pixelStd"));
        b.slotTable(optionalChoice(node, "slotTable", SlotTable::fromId, defaults.slotTable()))
                .predictLossReduction(optionalChoice(node, "predictLossReduction", LossReduction::fromId,
                        defaults.predictLossReduction()));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new LayerShuffleException("config is invalid: " + e.getMessage(), e);
        }
    }

    /**
     * Reads a config JSON file.
     *
     * @throws LayerShuffleException naming the file and the fault
     */
    public static ModelConfig read(Path file) {
        try {
            return fromJson(Files.readString(file));
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read config " + file + ": " + e.getMessage(), e);
        } catch (LayerShuffleException e) {
            throw new LayerShuffleException(file + ": " + e.getMessage(), e);
        }
    }

    private static int requiredInt(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new LayerShuffleException("config field '" + field + "' is missing");
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new LayerShuffleException("config field '" + field + "' must be an integer, was " + v);
        }
        return v.asInt();
    }

    private static int optionalInt(JsonNode node, String field, int fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : requiredInt(node, field);
    }

    private static <E> E optionalChoice(JsonNode node, String field, Function<String, E> parse, E fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isTextual()) {
            throw new LayerShuffleException("config field '" + field + "' must be a string, was " + v);
        }
        try {
            return parse.apply(v.asText());
        } catch (IllegalArgumentException e) {
            throw new LayerShuffleException("config field '" + field + "': " + e.getMessage(), e);
        }
    }

    private static List<Double> optionalDoubles(JsonNode node, String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw new LayerShuffleException("config field '" + field + "' must be an array of numbers, was " + v);
        }
        List<Double> values = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isNumber()) {
                throw new LayerShuffleException("config field '" + field + "' must hold numbers, has " + e);
            }
            values.add(e.asDouble());
        }
        return values;
    }

    private static double optionalDouble(JsonNode node, String field, double fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return fallback;
        }
        if (!v.isNumber()) {
            throw new LayerShuffleException("config field '" + field + "' must be a number, was " + v);
        }
        return v.asDouble();
    }

    /**
     * Builds a {@link ModelConfig}; every value has a default (the small Fashion-MNIST model), and
     * {@link #build()} validates them together.
     */
    public static final class Builder {
        private int imageSize = 28;
        private int channels = 1;
        private int patchSize = 4;
        private int width = 64;
        private int depth = 12;
        private int heads = 4;
        private int mlpWidth = 128;
        private int classes = 10;
        private Variant variant = Variant.BASELINE;
        private int positionEmbeddingWidth = 32;
        private double dropout = 0.0;
        private double layerDropRate = 0.2;
        private double predictLossWeight = 1.0;
        private double layerNormEps = 1e-6;
        private List<String> labels = List.of();
        private List<Double> pixelMean = List.of();
        private List<Double> pixelStd = List.of();
        private SlotTable slotTable = SlotTable.SHARED;
        private LossReduction predictLossReduction = LossReduction.MEAN;

        private Builder() {
        }

        /** Sets the image side in pixels. */
        public Builder imageSize(int v) {
            imageSize = v;
            return this;
        }

        /** Sets the input channels. */
        public Builder channels(int v) {
            channels = v;
            return this;
        }

        /** Sets the patch side in pixels. */
        public Builder patchSize(int v) {
            patchSize = v;
            return this;
        }

        /** Sets the token width D. */
        public Builder width(int v) {
            width = v;
            return this;
        }

        /** Sets the number of blocks L. */
        public Builder depth(int v) {
            depth = v;
            return this;
        }

        /** Sets the number of attention heads. */
        public Builder heads(int v) {
            heads = v;
            return this;
        }

        /** Sets the MLP hidden width. */
        public Builder mlpWidth(int v) {
            mlpWidth = v;
            return this;
        }

        /** Sets the number of classes. */
        public Builder classes(int v) {
            classes = v;
            return this;
        }

        /** Sets the training variant. */
        public Builder variant(Variant v) {
            variant = v;
            return this;
        }

        /** Sets F, the slot embedding width of LayerShuffle-position. */
        public Builder positionEmbeddingWidth(int v) {
            positionEmbeddingWidth = v;
            return this;
        }

        /** Sets the dropout rate. */
        public Builder dropout(double v) {
            dropout = v;
            return this;
        }

        /** Sets LayerDrop's skip probability. */
        public Builder layerDropRate(double v) {
            layerDropRate = v;
            return this;
        }

        /** Sets the weight of LayerShuffle-predict's auxiliary loss. */
        public Builder predictLossWeight(double v) {
            predictLossWeight = v;
            return this;
        }

        /** Sets the LayerNorm epsilon. */
        public Builder layerNormEps(double v) {
            layerNormEps = v;
            return this;
        }

        /** Sets the class names. */
        public Builder labels(List<String> v) {
            labels = v;
            return this;
        }

        /** Sets the per-channel pixel mean (empty: 0.5 per channel). */
        public Builder pixelMean(List<Double> v) {
            pixelMean = v;
            return this;
        }

        /** Sets the per-channel pixel standard deviation (empty: 0.5 per channel). */
        public Builder pixelStd(List<Double> v) {
            pixelStd = v;
            return this;
        }

        /** Sets where LayerShuffle-position keeps its slot table (default {@link SlotTable#SHARED}). */
        public Builder slotTable(SlotTable v) {
            slotTable = v;
            return this;
        }

        /**
         * Sets how LayerShuffle-predict's auxiliary loss reduces over slots (default {@link LossReduction#MEAN}).
         */
        public Builder predictLossReduction(LossReduction v) {
            predictLossReduction = v;
            return this;
        }

        /**
         * The config.
         *
         * @throws IllegalArgumentException naming the first field at fault
         */
        public ModelConfig build() {
            return new ModelConfig(imageSize, channels, patchSize, width, depth, heads, mlpWidth, classes,
                    variant, positionEmbeddingWidth, dropout, layerDropRate, predictLossWeight, layerNormEps,
                    labels, pixelMean, pixelStd, slotTable, predictLossReduction);
        }
    }
}
