package io.github.layershuffle.samples.swarm.client;

import io.github.layershuffle.samples.swarm.proto.Tensor;
import java.nio.FloatBuffer;

/**
 * One checked answer to a hop: from a server, or ({@code peer == null}) from the client's in-process recompute.
 *
 * @param peer   the server, or {@code null} for the recompute
 * @param tensor the output as it came
 * @param values its decoded values
 * @param micros how long it took
 */
record Reply(Peer peer, Tensor tensor, FloatBuffer values, long micros) {

    /** The server's name, or {@link Hop#IN_PROCESS}. */
    String name() {
        return peer == null ? Hop.IN_PROCESS : peer.name();
    }
}
