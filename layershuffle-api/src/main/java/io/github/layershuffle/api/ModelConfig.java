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

    // Upper limits, checked before anything is allocated: a config comes from untrusted files (checkpoints,
    // exports, manifests), and every size below turns into an array. They are far above any ViT published
    // (ViT-G/14: 1.8e9 parameters at width 1664, depth 48, 256 tokens at 224 pixels).
    /** Largest {@code imageSize}, pixels per side. */
    public static final int MAX_IMAGE_SIZE = 4096;
    /** Largest {@code channels}. */
    public static final int MAX_CHANNELS = 64;
    /** Largest {@code patchSize}, pixels per side. */
    public static final int MAX_PATCH_SIZE = 1024;
    /** Largest {@link #tokenCount()}: patches plus the class token. */
    public static final int MAX_TOKENS = 65_537;
    /** Largest {@code width} D. */
    public static final int MAX_WIDTH = 16_384;
    /** Largest {@code depth} L. */
    public static final int MAX_DEPTH = 1024;
    /** Largest {@code heads}. */
    public static final int MAX_HEADS = 1024;
    /** Largest {@code mlpWidth}. */
    public static final int MAX_MLP_WIDTH = 65_536;
    /** Largest {@code classes} (and so of {@code labels}). */
    public static final int MAX_CLASSES = 1_000_000;
    /** Largest {@code positionEmbeddingWidth} F. */
    public static final int MAX_POSITION_WIDTH = 4096;
    /** Most values in one weight tensor: what one Java {@code float[]} holds. */
    public static final long MAX_TENSOR_ELEMENTS = Integer.MAX_VALUE - 8;
    /** Most parameters of a whole model, {@link #parameterCount()} (8 GiB of float32). */
    public static final long MAX_PARAMETERS = 1L << 31;
    /** Largest config JSON {@link #read(Path)} accepts, in bytes. */
    public static final long MAX_JSON_BYTES = 1L << 20;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Validates every field against its range and the {@code MAX_*} limits of this class, with overflow-safe
     * arithmetic: a config names the arrays a reader will allocate.
     *
     * @throws IllegalArgumentException naming the field, its value and the allowed range
     */
    public ModelConfig {
        Objects.requireNonNull(variant, "variant");
        Objects.requireNonNull(slotTable, "slotTable");
        Objects.requireNonNull(predictLossReduction, "predictLossReduction");
        ModelConfigChecks.positive("channels", channels);
        ModelConfigChecks.atMost("channels", channels, MAX_CHANNELS);
        labels = labels == null ? List.of() : List.copyOf(labels);
        pixelMean = pixelMean == null || pixelMean.isEmpty() ? repeat(0.5, channels) : List.copyOf(pixelMean);
        pixelStd = pixelStd == null || pixelStd.isEmpty() ? repeat(0.5, channels) : List.copyOf(pixelStd);
        ModelConfigChecks.shape(imageSize, channels, patchSize, width, depth, heads, mlpWidth, classes,
                positionEmbeddingWidth, variant);
        ModelConfigChecks.training(dropout, layerDropRate, predictLossWeight, layerNormEps);
        ModelConfigChecks.pixels(channels, pixelMean, pixelStd);
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

    /**
     * Number of float parameters of the model, the sum over the tensors {@code docs/FORMATS.md} lists (at most
     * {@link #MAX_PARAMETERS}).
     */
    public long parameterCount() {
        return ModelConfigChecks.parameterCount(imageSize, channels, patchSize, width, depth, mlpWidth, classes,
                positionEmbeddingWidth, variant, slotTable == SlotTable.SHARED);
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
        return ModelConfigJson.read(node);
    }

    /**
     * Reads a config JSON file of at most {@link #MAX_JSON_BYTES}.
     *
     * @throws LayerShuffleException naming the file and the fault
     */
    public static ModelConfig read(Path file) {
        try {
            long size = Files.size(file);
            if (size > MAX_JSON_BYTES) {
                throw new LayerShuffleException("config is " + size + " bytes, more than the "
                        + MAX_JSON_BYTES + " a config may have");
            }
            return fromJson(Files.readString(file));
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read config " + file + ": " + e.getMessage(), e);
        } catch (LayerShuffleException e) {
            throw new LayerShuffleException(file + ": " + e.getMessage(), e);
        }
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
