/**
 * Images in, pixels out: {@link io.github.layershuffle.onnx.image.ImageInput} decodes image files and streams
 * with {@code javax.imageio}, converts them to a model's channels and size, and writes a
 * {@link io.github.layershuffle.onnx.image.PixelBatch} that {@code LayerShuffleModel.predict} takes without
 * another copy.
 */
package io.github.layershuffle.onnx.image;
