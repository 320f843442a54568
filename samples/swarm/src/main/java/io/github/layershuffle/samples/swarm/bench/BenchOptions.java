package io.github.layershuffle.samples.swarm.bench;

import io.github.layershuffle.samples.swarm.client.FaultMode;
import java.time.Duration;
import java.util.Objects;

/**
 * How a bench runs: the swarm's shape, the workload and its bounds, and the client's fault handling.
 *
 * @param servers     block servers started on 127.0.0.1
 * @param replicas    servers hosting each block (every server hosts the stem and the head)
 * @param images      test images to classify, from the first
 * @param batch       images per request
 * @param concurrency requests in flight at once
 * @param timeLimit   no request is dispatched after this; those in flight finish
 * @param faultMode   what the client does when a block's server fails
 * @param deadline    per request
 * @param hopTimeout  per call to one server
 * @param seed        seeds the client's choice of servers
 * @param ortThreads  ONNX Runtime intra-op threads per session on each server
 * @param warmup      requests run before the measured ones, with no faults, and not counted (JIT, sessions)
 */
public record BenchOptions(int servers, int replicas, int images, int batch, int concurrency, Duration timeLimit,
                           FaultMode faultMode, Duration deadline, Duration hopTimeout, long seed, int ortThreads,
                           int warmup) {

    /**
     * Checks.
     *
     * @throws IllegalArgumentException naming the value out of range
     */
    public BenchOptions {
        Objects.requireNonNull(timeLimit, "timeLimit");
        Objects.requireNonNull(faultMode, "faultMode");
        Objects.requireNonNull(deadline, "deadline");
        Objects.requireNonNull(hopTimeout, "hopTimeout");
        require(servers >= 1 && servers <= 64, "servers must be in [1, 64], was " + servers);
        require(replicas >= 1 && replicas <= servers, "replicas must be in [1, servers=" + servers + "], was "
                + replicas);
        require(images >= 1, "images must be at least 1, was " + images);
        require(batch >= 1 && batch <= 256, "batch must be in [1, 256], was " + batch);
        require(concurrency >= 1 && concurrency <= 64, "concurrency must be in [1, 64], was " + concurrency);
        require(!timeLimit.isNegative() && !timeLimit.isZero(), "timeLimit must be positive, was " + timeLimit);
        require(warmup >= 0, "warmup must be at least 0, was " + warmup);
        require(ortThreads >= 0, "ortThreads must be at least 0 (0: ONNX Runtime's choice), was " + ortThreads);
    }

    /** The number of requests: {@code ceil(images / batch)}. */
    public int requests() {
        return (images + batch - 1) / batch;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
