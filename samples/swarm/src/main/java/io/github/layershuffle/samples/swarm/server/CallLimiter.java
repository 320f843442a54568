package io.github.layershuffle.samples.swarm.server;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Caps the block-service calls a server holds at once, over all connections. Netty keeps a request in direct
 * memory until its last byte has arrived, so without a cap many clients sending messages near the size limit at
 * once could exhaust the server's direct memory. A call over the cap is closed with {@code RESOURCE_EXHAUSTED} as
 * its headers arrive, before its message is read (its stream is reset and what it had sent is released); the
 * client takes another server.
 */
final class CallLimiter implements ServerInterceptor {
    private final Semaphore permits;
    private final int limit;

    CallLimiter(int limit) {
        this.limit = limit;
        this.permits = new Semaphore(limit);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        if (!permits.tryAcquire()) {
            call.close(Status.RESOURCE_EXHAUSTED.withDescription("the server holds " + limit
                    + " calls already, its limit; try another server"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                permits.release();
            }
        };
        ServerCall.Listener<Q> delegate;
        try {
            delegate = next.startCall(call, headers);
        } catch (RuntimeException | Error e) {
            release.run();
            throw e;
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onComplete() {
                try {
                    super.onComplete();
                } finally {
                    release.run();
                }
            }

            @Override
            public void onCancel() {
                try {
                    super.onCancel();
                } finally {
                    release.run();
                }
            }
        };
    }

    /** Calls held now, for tests and logs. */
    int inUse() {
        return limit - permits.availablePermits();
    }
}
