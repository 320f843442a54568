/**
 * Weights in and out of the DJL model: {@link io.github.layershuffle.train.checkpoint.ModelCheckpoints}
 * (api {@link io.github.layershuffle.api.checkpoint.Checkpoint} to model and back),
 * {@link io.github.layershuffle.train.checkpoint.FineTuning} (start a run of another variant or classes from a
 * checkpoint, keeping its family) and {@link io.github.layershuffle.train.checkpoint.HuggingFaceVit} (import
 * {@code google/vit-base-patch16-224}-style safetensors).
 */
package io.github.layershuffle.train.checkpoint;
