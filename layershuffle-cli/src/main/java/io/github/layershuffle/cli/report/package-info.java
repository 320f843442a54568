/**
 * Reports of experiments: {@link io.github.layershuffle.cli.report.ResultsReport} writes the Markdown tables
 * (beside the paper's own numbers), {@link io.github.layershuffle.cli.report.Charts} the JFreeChart figures.
 */
package io.github.layershuffle.cli.report;
