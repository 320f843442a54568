package io.github.layershuffle.onnx.export;

import java.util.List;

/**
 * One graph file of an export, as the manifest describes it.
 *
 * @param file    plain file name inside the export directory, e.g. {@code block-03.onnx}
 * @param sha256  lower-case hex SHA-256 of the file's bytes
 * @param bytes   the file's size in bytes
 * @param inputs  the graph's inputs
 * @param outputs the graph's outputs
 */
record ExportedGraph(String file, String sha256, long bytes, List<Port> inputs, List<Port> outputs) {
    ExportedGraph {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }
}
