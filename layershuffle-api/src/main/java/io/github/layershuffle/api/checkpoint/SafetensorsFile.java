package io.github.layershuffle.api.checkpoint;

import java.util.Map;

/**
 * The contents of a safetensors file: its {@code __metadata__} and its tensors, in file order.
 *
 * @param metadata the header's string-to-string metadata (empty if none)
 * @param tensors  tensors by name, in the order the header lists them
 */
public record SafetensorsFile(Map<String, String> metadata, Map<String, Tensor> tensors) {
    /** Copies both maps, keeping their order. */
    public SafetensorsFile {
        metadata = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
        tensors = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(tensors));
    }
}
