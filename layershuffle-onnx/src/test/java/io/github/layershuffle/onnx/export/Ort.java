package io.github.layershuffle.onnx.export;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Runs one ONNX graph in ONNX Runtime, from Java arrays to Java arrays; for tests. */
final class Ort implements AutoCloseable {
    static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

    private final OrtSession session;
    private final Map<String, OnnxTensor> inputs = new LinkedHashMap<>();

    private Ort(OrtSession session) {
        this.session = session;
    }

    static Ort open(Path file) throws OrtException {
        return new Ort(ENV.createSession(file.toString(), new OrtSession.SessionOptions()));
    }

    static Ort open(byte[] model) throws OrtException {
        return new Ort(ENV.createSession(model, new OrtSession.SessionOptions()));
    }

    OrtSession session() {
        return session;
    }

    Ort floats(String name, float[] data, long... shape) throws OrtException {
        inputs.put(name, OnnxTensor.createTensor(ENV, FloatBuffer.wrap(data), shape));
        return this;
    }

    Ort int64Scalar(String name, long value) throws OrtException {
        inputs.put(name, OnnxTensor.createTensor(ENV, LongBuffer.wrap(new long[] {value}), new long[0]));
        return this;
    }

    /** Runs with the inputs given so far (then forgets them) and returns every output, flattened. */
    Map<String, Out> run() throws OrtException {
        Map<String, Out> outs = new LinkedHashMap<>();
        try (OrtSession.Result r = session.run(inputs)) {
            for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : r) {
                OnnxTensor t = (OnnxTensor) e.getValue();
                FloatBuffer fb = t.getFloatBuffer();
                float[] data = new float[fb.remaining()];
                fb.get(data);
                outs.put(e.getKey(), new Out(t.getInfo().getShape(), data));
            }
        } finally {
            inputs.values().forEach(OnnxTensor::close);
            inputs.clear();
        }
        return outs;
    }

    /** One output: its shape and values. */
    record Out(long[] shape, float[] data) {
    }

    @Override
    public void close() throws OrtException {
        inputs.values().forEach(OnnxTensor::close);
        session.close();
    }
}
