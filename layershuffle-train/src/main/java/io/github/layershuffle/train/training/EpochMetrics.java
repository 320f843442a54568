package io.github.layershuffle.train.training;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.LayerShuffleException;

/**
 * One epoch's numbers; a {@link TrainingRun} appends each as a JSON line to {@code metrics.jsonl}. A value
 * that does not apply (no validation data, no position predictor) is NaN here and {@code null} in JSON.
 *
 * @param epoch                      the epoch, from 1
 * @param steps                      optimiser steps taken by the end of the epoch
 * @param trainLoss                  mean training objective over the epoch's batches (as they ran, with dropout)
 * @param trainAccuracy              fraction of training images classified right during the epoch
 * @param validationLoss             mean validation objective under the validation policy
 * @param validationAccuracy         validation accuracy under the validation policy
 * @param validationPositionAccuracy LayerShuffle-predict: fraction of slot predictions that are right
 * @param learningRate               the learning rate of the epoch's last step
 * @param seconds                    wall-clock time of the epoch, validation included
 * @param best                       whether this epoch is the best so far (lowest validation loss, or
 *                                   training loss without validation data)
 */
public record EpochMetrics(int epoch, long steps, double trainLoss, double trainAccuracy, double validationLoss,
                           double validationAccuracy, double validationPositionAccuracy, double learningRate,
                           double seconds, boolean best) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The loss that selects the best epoch: validation loss, or training loss without validation. */
    public double selectionLoss() {
        return Double.isNaN(validationLoss) ? trainLoss : validationLoss;
    }

    /** One line of JSON, snake_case keys, NaN as {@code null}. */
    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("epoch", epoch);
        n.put("steps", steps);
        put(n, "train_loss", trainLoss);
        put(n, "train_accuracy", trainAccuracy);
        put(n, "val_loss", validationLoss);
        put(n, "val_accuracy", validationAccuracy);
        put(n, "val_position_accuracy", validationPositionAccuracy);
        put(n, "learning_rate", learningRate);
        put(n, "seconds", seconds);
        n.put("best", best);
        return n.toString();
    }

    /**
     * Reads a line {@link #toJson()} wrote.
     *
     * @throws LayerShuffleException naming the line if it is not such JSON
     */
    public static EpochMetrics fromJson(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            return new EpochMetrics(n.get("epoch").asInt(), n.get("steps").asLong(), get(n, "train_loss"),
                    get(n, "train_accuracy"), get(n, "val_loss"), get(n, "val_accuracy"),
                    get(n, "val_position_accuracy"), get(n, "learning_rate"), get(n, "seconds"),
                    n.get("best").asBoolean());
        } catch (Exception e) {
            String shown = line.length() <= 200 ? line : line.substring(0, 200) + "...(" + line.length() + " chars)";
            throw new LayerShuffleException("not an epoch metrics line: " + shown, e);
        }
    }

    private static void put(ObjectNode n, String key, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            n.putNull(key);
        } else {
            n.put(key, v);
        }
    }

    private static double get(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? Double.NaN : v.asDouble();
    }
}
