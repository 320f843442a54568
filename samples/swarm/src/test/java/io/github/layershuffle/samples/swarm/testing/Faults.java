package io.github.layershuffle.samples.swarm.testing;

import io.github.layershuffle.samples.swarm.proto.Tensor;
import io.github.layershuffle.samples.swarm.proto.TensorResponse;
import io.github.layershuffle.samples.swarm.wire.Activations;
import io.github.layershuffle.samples.swarm.wire.SwarmMethods;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.atomic.AtomicInteger;

/** Server interceptors that make a real block server misbehave, for the client's fault tests. */
public final class Faults {

    private Faults() {
    }

    /** Answers every Block call with a tensor of shape [1, 2, 3] instead of the block's output. */
    public static ServerInterceptor garbageBlocks(AtomicInteger calls) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                if (!call.getMethodDescriptor().getFullMethodName().equals(SwarmMethods.BLOCK.getFullMethodName())) {
                    return next.startCall(call, headers);
                }
                return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    @SuppressWarnings("unchecked")
                    public void sendMessage(R message) {
                        calls.incrementAndGet();
                        Tensor garbage = Activations.encode(new float[6], new long[] {1, 2, 3});
                        super.sendMessage((R) TensorResponse.newBuilder().setTensor(garbage).build());
                    }
                }, headers);
            }
        };
    }

    /** Holds every call of {@code method} for {@code millis} before serving it. */
    public static ServerInterceptor slow(String fullMethodName, long millis, AtomicInteger calls) {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                if (call.getMethodDescriptor().getFullMethodName().equals(fullMethodName)) {
                    calls.incrementAndGet();
                    try {
                        Thread.sleep(millis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return next.startCall(call, headers);
            }
        };
    }
}
