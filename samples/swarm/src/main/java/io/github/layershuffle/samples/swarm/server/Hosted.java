package io.github.layershuffle.samples.swarm.server;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.samples.swarm.proto.HostedExport;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One export loaded on a server, and the parts of it the server answers for.
 *
 * @param id     the export id ({@link io.github.layershuffle.samples.swarm.wire.ExportId})
 * @param dir    where it was loaded from
 * @param model  the loaded export; the server closes it
 * @param blocks the hosted block indices, ascending
 * @param stem   whether the stem is hosted
 * @param head   whether the head is hosted
 */
record Hosted(String id, Path dir, LayerShuffleModel model, Set<Integer> blocks, boolean stem, boolean head) {

    Hosted {
        blocks = new TreeSet<>(blocks);
    }

    ModelConfig config() {
        return model.config();
    }

    HostedExport describe() {
        return HostedExport.newBuilder()
                .setExportId(id)
                .setFamily(model.family())
                .setConfigJson(model.config().toJson())
                .addAllBlocks(List.copyOf(blocks))
                .setStem(stem)
                .setHead(head)
                .build();
    }

    @Override
    public String toString() {
        return "export " + id + " (" + dir + ", " + config().variant() + "): " + (stem ? "stem, " : "")
                + (head ? "head, " : "") + "blocks " + blocks;
    }
}
