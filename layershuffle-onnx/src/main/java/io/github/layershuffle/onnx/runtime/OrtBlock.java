package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import io.github.layershuffle.api.Block;

/**
 * Block {@code index} of a loaded export, as one slot of a {@link LayerShuffleModel}: it runs that block's ORT
 * session. The model checks that it is open and owns the lifecycle.
 */
final class OrtBlock implements Block<OnnxTensor> {
    private final LayerShuffleModel owner;
    private final LoadedExport export;
    private final int index;

    OrtBlock(LayerShuffleModel owner, LoadedExport export, int index) {
        this.owner = owner;
        this.export = export;
        this.index = index;
    }

    LoadedExport export() {
        return export;
    }

    /** The block's index inside its export. */
    int index() {
        return index;
    }

    /**
     * Runs the block on {@code input} in slot {@code position}; the input is left open and the returned tokens
     * belong to the caller, who closes them.
     *
     * @throws IllegalStateException    if the model is closed
     * @throws IllegalArgumentException if {@code input} is not an open float tensor {@code [batch, T, D]} of the
     *                                  model, or {@code position} is outside the slots a -position block embeds
     */
    @Override
    public OnnxTensor apply(OnnxTensor input, int position) {
        return owner.applyBlock(this, input, position);
    }

    @Override
    public String toString() {
        return "block " + index + " of export " + export.label();
    }
}
