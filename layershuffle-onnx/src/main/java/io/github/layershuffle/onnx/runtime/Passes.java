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
 * The one place where blocks run in plan order on ONNX Runtime. Each session's output tensor is handed straight
 * to the next session, which writes its own output into the tensor the block before it read (a pinned output).
 * When the pass ends, also when a run fails, its token tensors go back to the model's {@link TokenPool}, or are
 * closed if the pool is full; what the caller receives is the caller's to close.
 */
final class Passes {

    private Passes() {
    }

    /** Stem, the blocks of {@code plan}, head; collects the position logits of -predict blocks. */
    static Prediction predict(LoadedExport stem, List<OrtBlock> blocks, LoadedExport head, List<String> labels,
                              TokenPool pool, OnnxTensor pixels, ExecutionPlan plan, Call call,
                              Consumer<? super OnnxValue> observer) {
        boolean predicts = stem.config().variant().predictsPosition();
        float[][][] positionLogits = predicts ? new float[plan.size()][][] : null;
        try (Tokens x = new Tokens(pool, pixels.getInfo().getShape()[0], null)) {
            x.advance(stem.runStem(pixels, x.target(), call, observer));
            for (int slot = 0; slot < plan.size(); slot++) {
                OrtBlock b = blocks.get(plan.block(slot));
                LoadedExport.BlockOutput out = b.export().runBlock(b.index(), x.current(), slot, predicts, x.target(),
                        call, observer);
                x.advance(out.tokens());
                if (predicts) {
                    positionLogits[slot] = out.positionLogits();
                }
            }
            return new Prediction(head.runHead(x.current(), call, observer), labels, plan, positionLogits);
        }
    }

    /**
     * The blocks of {@code plan} on {@code input}, which stays open; the result belongs to the caller.
     *
     * @throws io.github.layershuffle.api.LayerShuffleException if the tokens the last block returned are not all
     *                                                          finite
     */
    static OnnxTensor run(List<OrtBlock> blocks, TokenPool pool, OnnxTensor input, ExecutionPlan plan, Call call,
                          Consumer<? super OnnxValue> observer) {
        try (Tokens x = new Tokens(pool, input.getInfo().getShape()[0], input)) {
            OrtBlock b = null;
            for (int slot = 0; slot < plan.size(); slot++) {
                b = blocks.get(plan.block(slot));
                x.advance(b.export().runBlock(b.index(), x.current(), slot, false, x.target(), call, observer)
                        .tokens());
            }
            if (b != null) {
                TensorContract.checkFinite("the tokens after slot " + (plan.size() - 1) + " (" + b + ")", x.current());
            }
            return x.detach();
        }
    }

    /**
     * The token tensors of one pass: the latest tokens, and a spare whose memory the next block writes its output
     * into (a pinned output), so that a pass allocates at most two token tensors however many blocks it runs, and
     * none when the pool has them from earlier passes. The tensor a block read becomes the spare of the block after
     * it. Closing gives the pass's tensors back to the pool; the caller's input is never pooled or closed.
     */
    private static final class Tokens implements AutoCloseable {
        private final TokenPool pool;
        private final long batch;
        private final OnnxTensor callerInput;
        private OnnxTensor current;
        private OnnxTensor spare;

        Tokens(TokenPool pool, long batch, OnnxTensor callerInput) {
            this.pool = pool;
            this.batch = batch;
            this.callerInput = callerInput;
            this.current = callerInput;
        }

        /** Where the next run writes: a free tensor {@code [batch, T, D]}, or null to let ONNX Runtime allocate. */
        OnnxTensor target() {
            if (spare == null) {
                spare = pool.take(batch);
            }
            return spare;
        }

        /** The latest tokens. */
        OnnxTensor current() {
            return current;
        }

        /** A run wrote {@code out}: the target, or a tensor ONNX Runtime allocated; the tokens it read are free. */
        void advance(OnnxTensor out) {
            OnnxTensor free = current;
            if (out == spare) {
                spare = null;
            }
            current = out;
            if (free != callerInput) {
                pool.give(spare);
                spare = free;
            }
        }

        /** Hands the latest tokens to the caller; they leave the pass (the caller's input if no block ran). */
        OnnxTensor detach() {
            OnnxTensor out = current;
            current = callerInput;
            return out;
        }

        @Override
        public void close() {
            if (current != callerInput) {
                pool.give(current);
            }
            pool.give(spare);
            current = callerInput;
            spare = null;
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
