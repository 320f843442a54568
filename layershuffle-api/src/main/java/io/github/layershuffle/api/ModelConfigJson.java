package io.github.layershuffle.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Reads {@link ModelConfig}'s JSON form from a Jackson tree, naming the field at fault. */
final class ModelConfigJson {

    private ModelConfigJson() {
    }

    static ModelConfig read(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new LayerShuffleException("config must be a JSON object");
        }
        JsonNode format = node.get("format");
        if (format != null && !ModelConfig.FORMAT.equals(format.asText())) {
            throw new LayerShuffleException("config field 'format' is '" + format.asText() + "', expected '"
                    + ModelConfig.FORMAT + "'");
        }
        JsonNode version = node.get("version");
        if (version != null
                && (!version.isInt() || version.asInt() > ModelConfig.FORMAT_VERSION || version.asInt() < 1)) {
            throw new LayerShuffleException("config field 'version' is " + version + "; this library reads "
                    + "versions 1 to " + ModelConfig.FORMAT_VERSION);
        }
        ModelConfig.Builder b = ModelConfig.builder();
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

    private static int optionalInt(JsonNode node, String field, int fallback) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? fallback : requiredInt(node, field);
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
}
