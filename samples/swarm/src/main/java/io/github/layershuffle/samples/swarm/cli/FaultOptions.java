package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.samples.swarm.client.FaultMode;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The client's fault handling options. */
final class FaultOptions {

    @Option(names = "--fault-mode", defaultValue = "substitute-or-skip",
            description = "When a block's server fails: fail, skip, substitute or substitute-or-skip. "
                    + "Default: ${DEFAULT-VALUE}.")
    String faultMode;

    @Option(names = "--deadline-ms", defaultValue = "2000",
            description = "Deadline of one request, in ms. Default: ${DEFAULT-VALUE}.")
    long deadlineMs;

    @Option(names = "--hop-timeout-ms", defaultValue = "500",
            description = "Timeout of one call to one server, in ms. Default: ${DEFAULT-VALUE}.")
    long hopTimeoutMs;

    FaultMode mode() {
        return FaultMode.parse(faultMode);
    }

    Duration deadline() {
        return Duration.ofMillis(deadlineMs);
    }

    Duration hopTimeout() {
        return Duration.ofMillis(hopTimeoutMs);
    }
}
