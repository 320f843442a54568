/**
 * The paper's experiments at any scale: {@link io.github.layershuffle.cli.experiment.Experiment} trains a
 * base model, fine-tunes it with each method and seed, and measures sequential and arbitrary order, pruning,
 * merges, ensembles, position prediction and a {@link io.github.layershuffle.cli.experiment.LinearProbe} of
 * the slot a block ran in, resumably, with presets in
 * {@link io.github.layershuffle.cli.experiment.ExperimentSettings}.
 */
package io.github.layershuffle.cli.experiment;
