package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.OrtSession.SessionOptions;
import ai.onnxruntime.TensorInfo;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.runtime.Manifest.TensorSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One ONNX Runtime session of one graph of an export, checked against its manifest entry. ORT sessions are
 * thread-safe for {@code run}; every {@link OrtException} is wrapped here, once, with the graph's name.
 */
final class GraphSession implements AutoCloseable {
    private final String name;
    private final OrtSession session;

    private GraphSession(String name, OrtSession session) {
        this.name = name;
        this.session = session;
    }

    /**
     * Refuses a model with external data ({@link ExternalData}), then opens a session from the graph's bytes and
     * checks its inputs and outputs against the manifest's.
     *
     * @param name names the graph in messages, e.g. "block 3 (block-03.onnx) of export exports/a"
     * @throws LayerShuffleException if a tensor of the model stores its data externally, ONNX Runtime cannot load
     *                               the bytes, or the graph's tensors differ from {@code graph}'s
     */
    static GraphSession open(OrtEnvironment env, SessionOptions options, byte[] bytes, Manifest.Graph graph,
                             String name) {
        ExternalData.refuse(bytes, name);
        OrtSession session;
        try {
            session = env.createSession(bytes, options);
        } catch (OrtException e) {
            throw new LayerShuffleException(name + ": ONNX Runtime " + env.getVersion() + " cannot load "
                    + graph.file() + " (" + bytes.length + " bytes): " + brief(e), e);
        }
        try {
            TensorContract.check(name + ": graph inputs", specs(session.getInputInfo()), graph.inputs());
            TensorContract.check(name + ": graph outputs", specs(session.getOutputInfo()), graph.outputs());
        } catch (OrtException e) {
            closeQuietly(session, name);
            throw new LayerShuffleException(name + ": cannot read the graph's inputs and outputs: "
                    + brief(e), e);
        } catch (RuntimeException e) {
            closeQuietly(session, name);
            throw e;
        }
        return new GraphSession(name, session);
    }

    /**
     * The session's inputs or outputs as specs; a symbolic or unknown dimension reads as -1, so a graph whose
     * batch axis is dynamic matches the manifest's -1 while one with a fixed batch does not.
     */
    private static List<TensorSpec> specs(Map<String, NodeInfo> infos) {
        List<TensorSpec> specs = new ArrayList<>();
        for (Map.Entry<String, NodeInfo> e : infos.entrySet()) {
            if (!(e.getValue().getInfo() instanceof TensorInfo t)) {
                specs.add(TensorSpec.of(e.getKey(), "non-tensor " + e.getValue().getInfo()));
                continue;
            }
            String type = t.type == OnnxJavaType.FLOAT ? TensorContract.FLOAT32
                    : t.type == OnnxJavaType.INT64 ? TensorContract.INT64 : t.type.toString().toLowerCase();
            long[] shape = t.getShape().clone();
            for (int i = 0; i < shape.length; i++) {
                shape[i] = shape[i] < 0 ? -1 : shape[i];
            }
            specs.add(TensorSpec.of(e.getKey(), type, shape));
        }
        return specs;
    }

    /** The most characters of ONNX Runtime's own message that a message of ours quotes. */
    static final int ORT_MESSAGE_CHARS = 1000;

    /**
     * ONNX Runtime's message of {@code e}, cut to its first {@value #ORT_MESSAGE_CHARS} characters: it quotes the
     * graph's own names, which a hostile graph makes as long as it likes.
     */
    static String brief(Exception e) {
        String m = String.valueOf(e.getMessage());
        return m.length() <= ORT_MESSAGE_CHARS ? m
                : m.substring(0, ORT_MESSAGE_CHARS) + "... (" + m.length() + " characters)";
    }

    /** Names the graph in messages. */
    String name() {
        return name;
    }

    /**
     * Runs the graph as part of {@code call}, ONNX Runtime allocating {@code outputs} and writing the {@code pinned}
     * ones into the caller's tensors; the caller owns the result and must close it (or every value in it), which
     * leaves pinned tensors open.
     *
     * @throws LayerShuffleException           wrapping ONNX Runtime's error, naming this graph
     * @throws io.github.layershuffle.api.DeadlineExceededException if the call's deadline ended the run
     * @throws IllegalStateException           if closing the model ended the run
     */
    OrtSession.Result run(Map<String, OnnxTensor> inputs, Set<String> outputs, Map<String, OnnxTensor> pinned,
                          Call call) {
        try {
            return session.run(inputs, outputs, pinned, call.options());
        } catch (OrtException e) {
            throw call.failure(name, e);
        }
    }

    @Override
    public void close() {
        closeQuietly(session, name);
    }

    private static void closeQuietly(OrtSession s, String name) {
        try {
            s.close();
        } catch (OrtException | RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(GraphSession.class).warn("{}: closing the session failed", name, e);
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
