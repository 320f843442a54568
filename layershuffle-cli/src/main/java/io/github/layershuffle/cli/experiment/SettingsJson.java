package io.github.layershuffle.cli.experiment;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The JSON form of {@link ExperimentSettings}, as state files record it; field order and types are part of it. */
final class SettingsJson {
    private SettingsJson() {
    }

    static ObjectNode of(ExperimentSettings s) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode n = f.objectNode();
        n.put("preset", s.preset());
        n.set("model", s.model().toJsonNode());
        n.put("baseEpochs", s.baseEpochs());
        n.put("baseLearningRate", s.baseLearningRate());
        n.put("fineTuneEpochs", s.fineTuneEpochs());
        n.put("fineTuneLearningRate", s.fineTuneLearningRate());
        n.put("batchSize", s.batchSize());
        n.put("trainImages", s.trainImages());
        n.put("validationImages", s.validationImages());
        n.put("testImages", s.testImages());
        ArrayNode m = n.putArray("methods");
        s.methods().forEach(v -> m.add(v.id()));
        n.put("seeds", s.seeds());
        n.put("evalSeeds", s.evalSeeds());
        ArrayNode k = n.putArray("keeps");
        s.keeps().forEach(k::add);
        n.put("merges", s.merges());
        n.put("probeImages", s.probeImages());
        ArrayNode p = n.putArray("probeMethods");
        s.probeMethods().forEach(v -> p.add(v.id()));
        ArrayNode o = n.putArray("ortMethods");
        s.ortMethods().forEach(v -> o.add(v.id()));
        n.put("evalBatchSize", s.evalBatchSize());
        n.put("baseWeightDecay", s.baseWeightDecay());
        n.put("fineTuneLinearDecay", s.fineTuneLinearDecay());
        ArrayNode mm = n.putArray("mergeMethods");
        s.mergeMethods().forEach(v -> mm.add(v.id()));
        n.put("mergeModels", s.mergeModels());
        ArrayNode c = n.putArray("controlDepths");
        s.controlDepths().forEach(c::add);
        n.put("diagnosticImages", s.diagnosticImages());
        n.set("search", s.search().toJson());
        return n;
    }
}
