package io.github.layershuffle.samples.swarm.server;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.samples.swarm.proto.BlockRequest;
import io.github.layershuffle.samples.swarm.proto.DescribeRequest;
import io.github.layershuffle.samples.swarm.proto.DescribeResponse;
import io.github.layershuffle.samples.swarm.proto.HeadRequest;
import io.github.layershuffle.samples.swarm.proto.StemRequest;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import io.github.layershuffle.samples.swarm.proto.TensorResponse;
import io.github.layershuffle.samples.swarm.wire.Activations;
import io.github.layershuffle.samples.swarm.wire.SwarmMethods;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of {@code BlockService}: runs the stem, single blocks and the head of the exports a server
 * hosts. Every tensor that arrives is checked before it reaches ONNX Runtime; a bad one is answered with
 * {@code INVALID_ARGUMENT}, a part the server does not host with {@code NOT_FOUND}, a call that races the server's
 * shutdown with {@code UNAVAILABLE}.
 */
final class BlockService {
    /** The longest export id a request may name; ids are 16 hex digits ({@code ExportId}). */
    static final int MAX_EXPORT_ID_LENGTH = 64;
    private static final Logger LOG = LoggerFactory.getLogger(BlockService.class);

    private final Map<String, Hosted> exports;
    private final int maxBatch;
    private volatile String name = "(starting)";

    BlockService(Map<String, Hosted> exports, int maxBatch) {
        this.exports = Map.copyOf(exports);
        this.maxBatch = maxBatch;
    }

    /** Set once the port is bound: the name the server reports. */
    void name(String name) {
        this.name = name;
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(SwarmMethods.SERVICE)
                .addMethod(SwarmMethods.DESCRIBE, ServerCalls.asyncUnaryCall(this::describe))
                .addMethod(SwarmMethods.STEM, ServerCalls.asyncUnaryCall(this::stem))
                .addMethod(SwarmMethods.BLOCK, ServerCalls.asyncUnaryCall(this::block))
                .addMethod(SwarmMethods.HEAD, ServerCalls.asyncUnaryCall(this::head))
                .build();
    }

    private void describe(DescribeRequest request, StreamObserver<DescribeResponse> out) {
        DescribeResponse.Builder r = DescribeResponse.newBuilder().setServerName(name);
        exports.values().forEach(h -> r.addExports(h.describe()));
        out.onNext(r.build());
        out.onCompleted();
    }

    private void stem(StemRequest request, StreamObserver<TensorResponse> out) {
        answer(out, "stem", () -> {
            Hosted h = export(request.getExportId());
            if (!h.stem()) {
                throw notFound("server " + name + " does not host the stem of export " + h.id());
            }
            ModelConfig c = h.config();
            Activations.Decoded pixels = Activations.decode(request.getPixels(), "pixels for the stem",
                    new long[] {-1, c.channels(), c.imageSize(), c.imageSize()}, maxBatch);
            try (OnnxTensor tokens = h.model().stem(images(pixels))) {
                return tensor(tokens);
            }
        });
    }

    private void block(BlockRequest request, StreamObserver<TensorResponse> out) {
        answer(out, "block " + request.getBlock(), () -> {
            Hosted h = export(request.getExportId());
            int block = request.getBlock();
            if (!h.blocks().contains(block)) {
                throw notFound("server " + name + " hosts blocks " + h.blocks() + " of export " + h.id()
                        + ", not block " + block);
            }
            ModelConfig c = h.config();
            int slot = request.getSlot();
            if (slot < 0 || slot >= c.depth()) {
                throw new IllegalArgumentException("slot " + slot + " is out of range [0, " + c.depth()
                        + ") for a model of " + c.depth() + " blocks");
            }
            Activations.Decoded tokens = Activations.decode(request.getTokens(), "tokens for block " + block,
                    new long[] {-1, c.tokenCount(), c.width()}, maxBatch);
            try (OnnxTensor in = ortTensor(tokens);
                 OnnxTensor result = h.model().block(block).apply(in, slot)) {
                return tensor(result);
            }
        });
    }

    private void head(HeadRequest request, StreamObserver<TensorResponse> out) {
        answer(out, "head", () -> {
            Hosted h = export(request.getExportId());
            if (!h.head()) {
                throw notFound("server " + name + " does not host the head of export " + h.id());
            }
            ModelConfig c = h.config();
            Activations.Decoded tokens = Activations.decode(request.getTokens(), "tokens for the head",
                    new long[] {-1, c.tokenCount(), c.width()}, maxBatch);
            try (OnnxTensor in = ortTensor(tokens)) {
                return Activations.encode(h.model().head(in));
            }
        });
    }

    private Hosted export(String id) {
        if (id.length() > MAX_EXPORT_ID_LENGTH) {
            throw new IllegalArgumentException("export id of " + id.length() + " characters is longer than the "
                    + MAX_EXPORT_ID_LENGTH + " allowed");
        }
        Hosted h = exports.get(id);
        if (h == null) {
            throw notFound("server " + name + " does not host export '" + id + "'; it hosts " + exports.keySet());
        }
        return h;
    }

    /** Replies with what {@code work} returns, or with the status that its failure maps to. */
    private void answer(StreamObserver<TensorResponse> out, String part, Supplier<Tensor> work) {
        Status status;
        try {
            TensorResponse response = TensorResponse.newBuilder().setTensor(work.get()).build();
            out.onNext(response);
            out.onCompleted();
            return;
        } catch (StatusRuntimeException e) {
            status = e.getStatus();
        } catch (IllegalArgumentException e) {
            status = Status.INVALID_ARGUMENT.withDescription(e.getMessage());
        } catch (IllegalStateException e) {
            // the model was closed under the call: the server is going down
            status = Status.UNAVAILABLE.withDescription("server " + name + " is shutting down: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.warn("server {}: {} failed", name, part, e);
            status = Status.INTERNAL.withDescription(part + " failed on server " + name + ": " + e.getMessage());
        }
        LOG.debug("server {}: {} refused: {}", name, part, status);
        out.onError(status.asRuntimeException());
    }

    private static StatusRuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }

    private static Tensor tensor(OnnxTensor t) {
        return Activations.encode(t.getFloatBuffer(), t.getInfo().getShape());
    }

    private static OnnxTensor ortTensor(Activations.Decoded d) {
        try {
            return OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), d.data(), d.shape());
        } catch (OrtException e) {
            throw new LayerShuffleException("cannot create a tensor of shape " + Arrays.toString(d.shape())
                    + ": " + e.getMessage(), e);
        }
    }

    /** {@code [B, C, H, W]} as the nested arrays the stem takes. */
    private static float[][][][] images(Activations.Decoded d) {
        long[] s = d.shape();
        int b = (int) s[0];
        int c = (int) s[1];
        int h = (int) s[2];
        int w = (int) s[3];
        float[][][][] images = new float[b][c][h][w];
        FloatBuffer data = d.data();
        int i = 0;
        for (int n = 0; n < b; n++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    data.get(i, images[n][ch][y]);
                    i += w;
                }
            }
        }
        return images;
    }
}
