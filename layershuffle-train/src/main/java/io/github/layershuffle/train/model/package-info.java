/**
 * The LayerShuffle Vision Transformer as DJL blocks: {@link io.github.layershuffle.train.model.VisionTransformer}
 * (patch stem, pre-norm {@link io.github.layershuffle.train.model.EncoderBlock}s run in the order of an
 * {@link io.github.layershuffle.api.ExecutionPlan}, classifier head), computing exactly what
 * {@code docs/FORMATS.md} specifies, with parameters named as the checkpoint tensors.
 */
package io.github.layershuffle.train.model;
