package io.github.layershuffle.samples.swarm.server;

import io.github.layershuffle.samples.swarm.proto.BlockRequest;
import io.github.layershuffle.samples.swarm.proto.DescribeRequest;
import io.github.layershuffle.samples.swarm.proto.DescribeResponse;
import io.github.layershuffle.samples.swarm.proto.HeadRequest;
import io.github.layershuffle.samples.swarm.proto.StemRequest;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import io.github.layershuffle.samples.swarm.proto.TensorResponse;
import io.github.layershuffle.samples.swarm.wire.PartRunner;
import io.github.layershuffle.samples.swarm.wire.SwarmMethods;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
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
            return runner(h).stem(request.getPixels());
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
            return runner(h).block(block, request.getSlot(), request.getTokens());
        });
    }

    private void head(HeadRequest request, StreamObserver<TensorResponse> out) {
        answer(out, "head", () -> {
            Hosted h = export(request.getExportId());
            if (!h.head()) {
                throw notFound("server " + name + " does not host the head of export " + h.id());
            }
            return runner(h).head(request.getTokens());
        });
    }

    private PartRunner runner(Hosted h) {
        return new PartRunner(h.model(), maxBatch);
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
}
