/**
 * Search over block recipes: which k blocks run, in which order, each taken from which of several models of one
 * family, so that validation accuracy is highest for a budget of k blocks.
 *
 * <p>{@link io.github.layershuffle.cli.search.RecipeSearch} runs a genetic algorithm (Jenetics) whose fitness is
 * the validation accuracy measured through ONNX Runtime, as a host app would run the recipe;
 * {@link io.github.layershuffle.cli.search.RecipeEvaluator} computes it, with the stem's tokens computed once
 * per validation image and the tokens after every shared prefix of blocks cached.
 */
package io.github.layershuffle.cli.search;
