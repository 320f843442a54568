/**
 * The framework-neutral core of layershuffle: what decides the order blocks run in, and what describes a model.
 *
 * <ul>
 *   <li>{@link io.github.layershuffle.api.ExecutionPolicy} decides, for one forward pass, which blocks run and
 *       in what order, and returns it as an {@link io.github.layershuffle.api.ExecutionPlan}. Training, evaluation
 *       and inference on ONNX Runtime all ask a policy for their plans.</li>
 *   <li>{@link io.github.layershuffle.api.Block} and {@link io.github.layershuffle.api.BlockSequence} run blocks
 *       in a plan's order, each told the slot it runs in; a sequence can be built from blocks of several models
 *       of one family (a "Frankenstein" model), checked by {@link io.github.layershuffle.api.ModelIdentity}.</li>
 *   <li>{@link io.github.layershuffle.api.ModelConfig} and {@link io.github.layershuffle.api.Variant} describe a
 *       model; the config's JSON form is shared by checkpoints and exports.</li>
 * </ul>
 *
 * <pre>{@code
 * ExecutionPolicy policy = ExecutionPolicy.random(42)   // a fresh permutation per pass, reproducible
 *         .skipping(block -> block == 7)                 // block 7's node is down
 *         .keep(6);                                      // run six blocks
 * ExecutionPlan plan = policy.plan(12);                  // e.g. [4, 0, 11, 2, 9, 5]
 * ExecutionPlan replay = ExecutionPlan.parse(plan.toString(), 12);
 * }</pre>
 *
 * <p>Errors are unchecked: {@link java.lang.IllegalArgumentException} for bad arguments, and
 * {@link io.github.layershuffle.api.LayerShuffleException} and its subclasses for bad files and incompatible
 * blocks. This package depends on the JDK and Jackson only.
 */
package io.github.layershuffle.api;
