package io.github.layershuffle.samples.swarm.bench;

import java.time.Duration;
import java.util.Map;

/**
 * What one model did under a bench's fault schedule. Every dispatched request is either answered or failed with
 * a reason: {@code answered + failed == dispatched}.
 *
 * @param export          the export directory
 * @param variant         its variant
 * @param dispatched      requests sent
 * @param answered        requests that returned logits
 * @param failed          requests that ended in an error
 * @param notDispatched   requests left out by the time limit
 * @param failures        failed requests by reason
 * @param images          images in answered requests
 * @param correct         of those, classified right
 * @param imagesFailed    images in failed requests
 * @param latencyMillis   p50, p90, p99 and max of answered requests, in milliseconds
 * @param blocksMean      mean number of blocks run per answered request
 * @param blocksMin       fewest blocks run by an answered request
 * @param blocksMax       most blocks run by an answered request
 * @param skippedBlocks   planned blocks left out, over all answered requests
 * @param failedHops      calls that failed (and were substituted, skipped or ended the request)
 * @param kills           server kills applied
 * @param restarts        server restarts applied
 * @param restartFailures restarts that could not bind their port again
 * @param wall            from the first dispatch to the last answer
 * @param lies            what became of the lies told ({@link LieCounts})
 * @param verificationCalls calls made to check outputs (second opinions and tie-breakers)
 * @param unverifiedHops  hops verification wanted checked that only one server up could run
 * @param budgetStops     answered requests whose blocks the budget stopped
 * @param agreedMaxDifference the largest difference between outputs that agreed: honest disagreement
 */
public record BenchResult(String export, String variant, int dispatched, int answered, int failed,
                          int notDispatched, Map<String, Integer> failures, long images, long correct,
                          long imagesFailed, double[] latencyMillis, double blocksMean, int blocksMin, int blocksMax,
                          long skippedBlocks, long failedHops, int kills, int restarts, int restartFailures,
                          Duration wall, LieCounts lies, long verificationCalls,
                          long unverifiedHops, int budgetStops, double agreedMaxDifference) {

    /** Checks and copies. */
    public BenchResult {
        failures = Map.copyOf(failures);
        java.util.Objects.requireNonNull(lies, "lies");
        latencyMillis = latencyMillis.clone();
        if (answered + failed != dispatched) {
            throw new IllegalStateException("lost requests: " + dispatched + " dispatched but " + answered
                    + " answered and " + failed + " failed");
        }
    }

    /** Correct answers over the images of answered requests (NaN if none was answered). */
    public double accuracy() {
        return images == 0 ? Double.NaN : (double) correct / images;
    }

    /** Correct answers over all images dispatched: a failed request counts as wrong. */
    public double accuracyCountingFailures() {
        long all = images + imagesFailed;
        return all == 0 ? Double.NaN : (double) correct / all;
    }

    /** p50, p90, p99 and max latency in milliseconds, a copy. */
    @Override
    public double[] latencyMillis() {
        return latencyMillis.clone();
    }
}
