/**
 * Measuring trained models: {@link io.github.layershuffle.train.eval.Evaluator} (top-1/top-5 accuracy, loss and
 * slot-prediction accuracy under any {@link io.github.layershuffle.api.ExecutionPolicy}, over seeds, for single
 * models, logit ensembles and random merges), {@link io.github.layershuffle.train.eval.CheckpointMerge} (merged,
 * "Frankenstein" checkpoints from blocks of one family), and the result records
 * {@link io.github.layershuffle.train.eval.Evaluation}, {@link io.github.layershuffle.train.eval.Summary} and
 * {@link io.github.layershuffle.train.eval.Stat}; diagnostics that explain a model's behaviour under reordering:
 * {@link io.github.layershuffle.train.eval.BlockDiagnostics}, {@link io.github.layershuffle.train.eval.SlotConfusion},
 * {@link io.github.layershuffle.train.eval.ModelDivergence}; and
 * {@link io.github.layershuffle.train.eval.EvaluationSeeds}, which keeps evaluation plans apart from training plans.
 */
package io.github.layershuffle.train.eval;
