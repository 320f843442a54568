/**
 * Reports of experiments: {@link io.github.layershuffle.train.report.ResultsReport} writes the Markdown tables
 * (beside the paper's own numbers), {@link io.github.layershuffle.train.report.Charts} the JFreeChart figures.
 */
package io.github.layershuffle.train.report;
