package io.github.layershuffle.cli.experiment;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.eval.BlockDiagnostics;
import io.github.layershuffle.train.eval.EvaluationSeeds;
import io.github.layershuffle.train.eval.ModelDivergence;
import io.github.layershuffle.train.eval.SlotConfusion;
import io.github.layershuffle.train.model.VisionTransformer;
import java.util.ArrayList;
import java.util.List;

/**
 * The diagnostic units, which tell why a model behaves as it does: per fine-tuned model the update ratio of
 * every slot, a linear probe of the class on the stem alone and (LayerShuffle-predict) the slot confusion
 * matrix; per method the divergence of its fine-tunes from the base and from each other.
 */
final class DiagnosticUnits {
    private final ExperimentSettings s;
    private final DatasetSplits data;
    private final Units units;

    DiagnosticUnits(ExperimentSettings settings, DatasetSplits data, Units units) {
        this.s = settings;
        this.data = data;
        this.units = units;
    }

    /** The order a method is trained and meant to run in: random for the shuffling methods, else sequential. */
    static ExecutionPolicy ownOrder(Variant method) {
        return method.shuffles() ? ExecutionPolicy.random() : ExecutionPolicy.sequential();
    }

    private ImageDataset testImages() {
        return data.test().sample(Math.min(s.diagnosticImages(), data.test().count()), 12);
    }

    ObjectNode diagnose(Variant method, int seed) {
        int depth = s.model().depth();
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer model = ModelCheckpoints.load(units.checkpoint(method, seed), manager);
            ImageDataset test = testImages();
            ObjectNode r = JsonNodeFactory.instance.objectNode();
            ObjectNode m = r.putObject("metrics");
            double[] ratios = BlockDiagnostics.updateRatios(model, test, ownOrder(method), s.evalBatchSize(),
                    EvaluationSeeds.stream(0));
            double mean = 0;
            for (int slot = 0; slot < depth; slot++) {
                m.put(Measurements.updateRatio(slot), ratios[slot]);
                mean += ratios[slot] / depth;
            }
            m.put(Measurements.UPDATE_RATIO_MEAN, mean);

            ImageDataset fit = data.train().sample(Math.min(s.diagnosticImages(), data.train().count()), 11);
            double[][] fitX = BlockDiagnostics.stemFeatures(model, fit, s.evalBatchSize());
            double[][] testX = BlockDiagnostics.stemFeatures(model, test, s.evalBatchSize());
            LinearProbe probe = LinearProbe.fit(fitX, fit.labels(), s.model().classes());
            m.put(Measurements.STEM_PROBE, probe.accuracy(testX, test.labels()));
            m.put(Measurements.STEM_PROBE_CHANCE, chance(test.labels(), s.model().classes()));

            if (method.predictsPosition()) {
                SlotConfusion c = BlockDiagnostics.slotConfusion(model, test, ExecutionPolicy.random(),
                        s.evalBatchSize(), EvaluationSeeds.stream(0));
                m.put(Measurements.POSITION_WITHIN_ONE, c.withinOne());
                ArrayNode rows = r.putArray("slotConfusion");
                for (long[] row : c.counts()) {
                    ArrayNode a = rows.addArray();
                    for (long v : row) {
                        a.add(v);
                    }
                }
            }
            return r;
        }
    }

    /**
     * How far the method's fine-tunes moved: per model the relative L2 distance of each block from the base;
     * per pair of models the share of test images whose sequential prediction differs.
     */
    ObjectNode divergence(Variant method) {
        Checkpoint base = Checkpoint.read(units.baseCheckpoint());
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        ObjectNode values = r.putObject("values");
        int depth = s.model().depth();
        List<int[]> predictions = new ArrayList<>();
        ArrayNode mean = values.putArray(Measurements.DIVERGENCE_MEAN);
        List<ArrayNode> perBlock = new ArrayList<>();
        for (int b = 0; b < depth; b++) {
            perBlock.add(values.putArray(Measurements.divergence(b)));
        }
        for (int seed = 1; seed <= s.models(method); seed++) {
            Checkpoint tuned = Checkpoint.read(units.checkpoint(method, seed));
            double[] d = ModelDivergence.blockDistances(tuned, base);
            double sum = 0;
            for (int b = 0; b < depth; b++) {
                perBlock.get(b).add(d[b]);
                sum += d[b];
            }
            mean.add(sum / depth);
            try (NDManager manager = NDManager.newBaseManager()) {
                VisionTransformer model = ModelCheckpoints.newModel(tuned, manager);
                predictions.add(BlockDiagnostics.predictions(model, data.test(), ExecutionPolicy.sequential(),
                        s.evalBatchSize(), EvaluationSeeds.stream(0)));
            }
        }
        ArrayNode disagree = values.putArray(Measurements.DISAGREEMENT);
        for (int i = 0; i < predictions.size(); i++) {
            for (int j = i + 1; j < predictions.size(); j++) {
                disagree.add(ModelDivergence.disagreement(predictions.get(i), predictions.get(j)));
            }
        }
        r.put("models", predictions.size());
        return r;
    }

    private static double chance(int[] labels, int classes) {
        int[] counts = new int[classes];
        int max = 0;
        for (int y : labels) {
            max = Math.max(max, ++counts[y]);
        }
        return (double) max / labels.length;
    }
}
