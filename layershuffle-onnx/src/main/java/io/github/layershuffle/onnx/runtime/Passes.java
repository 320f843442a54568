package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.TensorInfo;
import io.github.layershuffle.api.ExecutionPlan;
import io.github.layershuffle.api.ModelConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The one place where blocks run in plan order on ONNX Runtime. Each tensor a session returns is handed
 * straight to the next session and closed as soon as the next one has run, also when a run fails.
 */
final class Passes {

    private Passes() {
    }

    /** Stem, the blocks of {@code plan}, head; collects the position logits of -predict blocks. */
    static Prediction predict(LoadedExport stem, List<OrtBlock> blocks, LoadedExport head, List<String> labels,
                              OnnxTensor pixels, ExecutionPlan plan, Consumer<? super OnnxValue> observer) {
        boolean predicts = stem.config().variant().predictsPosition();
        float[][][] positionLogits = predicts ? new float[plan.size()][][] : null;
        OnnxTensor x = stem.runStem(pixels, observer);
        try {
            for (int slot = 0; slot < plan.size(); slot++) {
                OrtBlock b = blocks.get(plan.block(slot));
                LoadedExport.BlockOutput out = b.export().runBlock(b.index(), x, slot, predicts, observer);
                x.close();
                x = out.tokens();
                if (predicts) {
                    positionLogits[slot] = out.positionLogits();
                }
            }
            return new Prediction(head.runHead(x, observer), labels, plan, positionLogits);
        } finally {
            x.close();
        }
    }

    /** The blocks of {@code plan} on {@code input}, which stays open; the result belongs to the caller. */
    static OnnxTensor run(List<OrtBlock> blocks, OnnxTensor input, ExecutionPlan plan,
                          Consumer<? super OnnxValue> observer) {
        OnnxTensor x = input;
        try {
            for (int slot = 0; slot < plan.size(); slot++) {
                OrtBlock b = blocks.get(plan.block(slot));
                OnnxTensor next = b.export().runBlock(b.index(), x, slot, false, observer).tokens();
                if (x != input) {
                    x.close();
                }
                x = next;
            }
            return x;
        } catch (RuntimeException | Error e) {
            if (x != input) {
                x.close();
            }
            throw e;
        }
    }

    /**
     * Checks that {@code tokens} is an open float tensor {@code [batch >= 1, T, D]} of {@code c}.
     *
     * @throws IllegalArgumentException naming the expected and the actual type and shape
     */
    static void checkTokens(OnnxTensor tokens, ModelConfig c) {
        Objects.requireNonNull(tokens, "tokens");
        if (tokens.isClosed()) {
            throw new IllegalArgumentException("the tokens tensor is closed");
        }
        TensorInfo info = tokens.getInfo();
        long[] shape = info.getShape();
        if (info.type != OnnxJavaType.FLOAT || shape.length != 3 || shape[0] < 1 || shape[1] != c.tokenCount()
                || shape[2] != c.width()) {
            throw new IllegalArgumentException("tokens must be a float tensor [batch >= 1, " + c.tokenCount() + ", "
                    + c.width() + "] (T = tokenCount, D = width), was " + info.type + " " + Arrays.toString(shape));
        }
    }
}
