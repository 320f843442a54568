/**
 * Measuring exported models on ONNX Runtime: {@link io.github.layershuffle.cli.eval.OrtEvaluation} runs a
 * composed model over a dataset under a policy, with the plans the DJL evaluator draws, for the commands, the
 * experiments and the recipe search alike (which is why it lives in neither of their packages).
 */
package io.github.layershuffle.cli.eval;
