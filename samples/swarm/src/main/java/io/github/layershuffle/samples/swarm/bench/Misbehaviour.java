package io.github.layershuffle.samples.swarm.bench;

import io.github.layershuffle.samples.swarm.proto.BlockRequest;
import io.github.layershuffle.samples.swarm.proto.Tensor;
import io.github.layershuffle.samples.swarm.proto.TensorResponse;
import io.github.layershuffle.samples.swarm.wire.Activations;
import io.github.layershuffle.samples.swarm.wire.SwarmMethods;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Predicate;

/**
 * Server interceptors that make a real block server slow or a liar, for the bench and the tests: the server's own
 * code runs unchanged, its answers are altered on the way out (or its request on the way in). Each acts only while
 * its switch says so, so that a schedule can turn it on and off.
 */
public final class Misbehaviour {

    /** How a lying server lies about a block's output: finite values of the right shape, so no check of form sees it. */
    public enum Lie {
        /** The output times 1.1. */
        SCALE,
        /** The output plus Gaussian noise of 1% of its largest magnitude. */
        NOISE,
        /** The output of another block it hosts (the output scaled, if it hosts no other). */
        OTHER_BLOCK;

        /**
         * Parses {@code scale}, {@code noise}, {@code other-block}.
         *
         * @throws IllegalArgumentException listing the valid names
         */
        public static Lie parse(String text) {
            for (Lie l : values()) {
                if (l.name().replace('_', '-').equalsIgnoreCase(text.strip())) {
                    return l;
                }
            }
            throw new IllegalArgumentException("lie '" + text + "' is not one of scale, noise, other-block");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** The header by which the bench's client tags each call with its request's number ({@link #tagging}). */
    public static final Metadata.Key<String> REQUEST_HEADER = Metadata.Key.of("x-swarm-bench-request",
            Metadata.ASCII_STRING_MARSHALLER);

    private Misbehaviour() {
    }

    /**
     * A client interceptor that tags every call with {@link #REQUEST_HEADER}: the number {@code request} gives on the
     * calling thread (blocking calls run their interceptors there), none when it gives a negative number.
     */
    public static ClientInterceptor tagging(IntSupplier request) {
        return new ClientInterceptor() {
            @Override
            public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options,
                                                         Channel next) {
                int r = request.getAsInt();
                return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
                    @Override
                    public void start(Listener<R> listener, Metadata headers) {
                        if (r >= 0) {
                            headers.put(REQUEST_HEADER, Integer.toString(r));
                        }
                        super.start(listener, headers);
                    }
                };
            }
        };
    }

    /** The request number a call was tagged with ({@link #tagging}), or -1. */
    public static int request(Metadata headers) {
        String v = headers.get(REQUEST_HEADER);
        if (v == null || v.length() > 10) {
            return -1;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Holds every block-service call for {@code delayMicros} before serving it, while {@code active}.
     *
     * @throws IllegalArgumentException if the delay is negative
     */
    public static ServerInterceptor slow(long delayMicros, BooleanSupplier active) {
        if (delayMicros < 0) {
            throw new IllegalArgumentException("delay must be at least 0 us, was " + delayMicros);
        }
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                String method = call.getMethodDescriptor().getFullMethodName();
                if (active.getAsBoolean() && method.startsWith(SwarmMethods.SERVICE_NAME + "/")
                        && !method.equals(SwarmMethods.DESCRIBE.getFullMethodName())) {
                    try {
                        TimeUnit.MICROSECONDS.sleep(delayMicros);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return next.startCall(call, headers);
            }
        };
    }

    /**
     * Lies about the output of every Block call while {@code active}, counting the lies told in {@code lies}.
     *
     * @param hosted the blocks the server hosts, for {@link Lie#OTHER_BLOCK}
     * @param seed   seeds the noise and the choice of the other block
     */
    public static ServerInterceptor lying(Lie lie, List<Integer> hosted, long seed, BooleanSupplier active,
                                          AtomicInteger lies) {
        return lying(lie, hosted, seed, (Predicate<Metadata>) h -> active.getAsBoolean(), lies);
    }

    /**
     * Lies about the output of every Block call whose headers {@code active} accepts (e.g. by the request number
     * the bench tagged it with, {@link #request(Metadata)}), counting the lies told in {@code lies}.
     *
     * @param hosted the blocks the server hosts, for {@link Lie#OTHER_BLOCK}
     * @param seed   seeds the noise and the choice of the other block
     */
    public static ServerInterceptor lying(Lie lie, List<Integer> hosted, long seed, Predicate<Metadata> active,
                                          AtomicInteger lies) {
        SplittableRandom root = new SplittableRandom(seed);
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                               ServerCallHandler<Q, R> next) {
                if (!call.getMethodDescriptor().getFullMethodName().equals(SwarmMethods.BLOCK.getFullMethodName())
                        || !active.test(headers)) {
                    return next.startCall(call, headers);
                }
                SplittableRandom rng;
                synchronized (root) {
                    rng = root.split();
                }
                lies.incrementAndGet();
                if (lie == Lie.OTHER_BLOCK && hosted.size() > 1) {
                    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<Q>(
                            next.startCall(call, headers)) {
                        @Override
                        @SuppressWarnings("unchecked")
                        public void onMessage(Q message) {
                            BlockRequest r = (BlockRequest) message;
                            int other = r.getBlock();
                            while (other == r.getBlock()) {
                                other = hosted.get(rng.nextInt(hosted.size()));
                            }
                            super.onMessage((Q) r.toBuilder().setBlock(other).build());
                        }
                    };
                }
                return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
                    @Override
                    @SuppressWarnings("unchecked")
                    public void sendMessage(R message) {
                        Tensor t = ((TensorResponse) message).getTensor();
                        super.sendMessage((R) TensorResponse.newBuilder().setTensor(alter(t, lie, rng)).build());
                    }
                }, headers);
            }
        };
    }

    private static Tensor alter(Tensor t, Lie lie, SplittableRandom rng) {
        FloatBuffer in = t.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] v = new float[in.remaining()];
        in.get(v);
        float max = 0;
        for (float x : v) {
            max = Math.max(max, Math.abs(x));
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = lie == Lie.NOISE ? (float) (v[i] + 0.01 * max * gaussian(rng)) : v[i] * 1.1f;
        }
        long[] shape = t.getShapeList().stream().mapToLong(Long::longValue).toArray();
        return Activations.encode(v, shape);
    }

    private static double gaussian(SplittableRandom rng) {
        double u = 1 - rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
    }
}
