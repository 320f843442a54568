/**
 * The {@code layershuffle} command line ({@link io.github.layershuffle.cli.LayerShuffleCli}): train,
 * evaluate, merge, export, experiment, demo and bench. Only this package prints; the library packages report
 * through listeners and results.
 */
package io.github.layershuffle.cli;
