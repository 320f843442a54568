package io.github.layershuffle.samples.swarm.client;

import java.time.Duration;
import java.util.List;

/**
 * One server as a {@link SwarmClient} sees it at one moment.
 *
 * @param address   the address the client dials
 * @param name      the name the server reports, or its address until it has answered
 * @param exports   the export ids it hosts; empty until it has answered {@code Describe}
 * @param banned    whether it is banned now
 * @param banLeft   how much longer the ban lasts
 * @param failures  failures in a row (cleared by a success)
 * @param problem   the last failure, or empty
 */
public record ServerStatus(String address, String name, List<String> exports, boolean banned, Duration banLeft,
                           int failures, String problem) {
}
