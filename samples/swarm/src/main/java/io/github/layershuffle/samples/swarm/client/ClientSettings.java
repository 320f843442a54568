package io.github.layershuffle.samples.swarm.client;

import java.time.Duration;

/** The tuning of a {@link SwarmClient}, checked by its builder; {@code budget} is null for none. */
record ClientSettings(FaultMode faultMode, Duration deadline, Duration hopTimeout, int maxAttempts,
                      Duration backoffInitial, Duration backoffMax, Duration banInitial, Duration banMax,
                      int minBlocks, Verify verify, double tolerance, Routing routing, Duration budget,
                      Duration liarBan) {
}
