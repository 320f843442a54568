package io.github.layershuffle.samples.swarm.cli;

import io.github.layershuffle.samples.swarm.client.FaultMode;
import io.github.layershuffle.samples.swarm.client.Verify;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The client's fault handling, verification and budget options. */
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

    @Option(names = "--verify", defaultValue = "none", paramLabel = "none|spot:P|replicate:K",
            description = "Check servers against each other: spot:P recomputes a share P of the hops on another "
                    + "server, replicate:K runs every hop on K servers; the majority wins, an outvoted server is "
                    + "banned. Default: ${DEFAULT-VALUE}.")
    String verify;

    @Option(names = "--verify-tolerance", defaultValue = "1e-3",
            description = "Outputs agree when max |a - b| <= this * max(1, max |a|). Default: ${DEFAULT-VALUE}.")
    double tolerance;

    @Option(names = "--budget", paramLabel = "TIME",
            description = "Anytime inference: run blocks while the next one and the head are expected to fit in "
                    + "this time (e.g. 25ms, 0.5s), then the head.")
    String budget;

    Verify verifyMode() {
        return Verify.parse(verify);
    }

    /** The budget, or {@code null} for none. */
    Duration budget() {
        return budget == null ? null : parseDuration(budget, "--budget");
    }

    /**
     * {@code 25ms}, {@code 0.5s}, {@code 800us}.
     *
     * @throws IllegalArgumentException naming the option and the valid forms
     */
    static Duration parseDuration(String text, String option) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        long nanosPerUnit;
        String number;
        if (t.endsWith("ms")) {
            nanosPerUnit = 1_000_000;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("us")) {
            nanosPerUnit = 1_000;
            number = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            nanosPerUnit = 1_000_000_000;
            number = t.substring(0, t.length() - 1);
        } else {
            throw new IllegalArgumentException(option + " '" + text + "' needs a unit: us, ms or s (25ms, 0.5s)");
        }
        double v;
        try {
            v = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + text + "' is not a number with a unit (25ms, 0.5s)", e);
        }
        if (!(v > 0) || v * nanosPerUnit > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException(option + " must be positive and finite, was '" + text + "'");
        }
        return Duration.ofNanos(Math.max(1, (long) (v * nanosPerUnit)));
    }

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
