/**
 * Runs exported LayerShuffle models on ONNX Runtime: {@link io.github.layershuffle.onnx.runtime.LayerShuffleModel}
 * loads an export directory ({@link io.github.layershuffle.onnx.runtime.Manifest}, verified file by file),
 * runs stem, blocks in the order of an {@code ExecutionPolicy}, and head, each in its own session, and composes
 * blocks of several exports of one family ({@link io.github.layershuffle.onnx.runtime.Composer},
 * {@link io.github.layershuffle.onnx.runtime.Recipe}).
 *
 * <pre>{@code
 * try (LayerShuffleModel model = LayerShuffleModel.load(Path.of("exports/fashion-shuffle"))) {
 *     Prediction p = model.predict(images, ExecutionPolicy.random(42));
 *     p.topK(0, 3).forEach(System.out::println);
 * }
 * }</pre>
 *
 * <p>Only this package touches ONNX Runtime's checked {@code OrtException}: it is wrapped once, in a
 * {@link io.github.layershuffle.api.LayerShuffleException} naming the graph and keeping the cause.
 */
package io.github.layershuffle.onnx.runtime;
