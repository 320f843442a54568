package io.github.layershuffle.onnx.runtime;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open/closed state of an object whose native resources many threads use at once. Each call {@link #enter}s and
 * gets a {@link Call}, which it hands back with {@link #exit}. {@link #close} refuses new calls, waits a bounded
 * grace period for the calls in flight, then ends those still running through ONNX Runtime's terminate flag and
 * waits once more; it never blocks longer than twice the grace period. The release runs exactly once, when no
 * call is in flight: in {@code close} or, if a call outlives it, when the last call exits. Later calls throw
 * {@link IllegalStateException} naming the type.
 */
final class Guard {
    private static final Logger LOG = LoggerFactory.getLogger(Guard.class);

    private final String type;
    private final Set<Call> calls = new LinkedHashSet<>();
    private volatile boolean closed;
    /** The release, set by close and run once by close or by the last call to exit after close returned. */
    private Runnable release;
    /** Whether close is waiting for calls; it then runs the release itself. */
    private boolean closerWaiting;

    Guard(String type) {
        this.type = type;
    }

    /**
     * Starts a call; pair with {@link #exit(Call)} in a {@code finally}.
     *
     * @param what    names the call in messages, e.g. "predict"
     * @param on      what it is called on, for messages
     * @param timeout the call's deadline, {@link Duration#ZERO} for none
     * @throws IllegalStateException if closed
     */
    Call enter(String what, Object on, Duration timeout) {
        if (!closed) {
            Call call = new Call(what, on, timeout); // native run options: made outside the monitor
            synchronized (this) {
                if (!closed) {
                    calls.add(call);
                    return call;
                }
            }
            call.close();
        }
        throw new IllegalStateException("this " + type + " is closed");
    }

    /** Ends a call; the last call to leave a closed guard runs the release. */
    void exit(Call call) {
        call.close();
        Runnable run = null;
        synchronized (this) {
            calls.remove(call);
            if (calls.isEmpty()) {
                notifyAll();
                if (release != null && !closerWaiting) {
                    run = release;
                    release = null;
                }
            }
        }
        if (run != null) {
            run.run();
        }
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Refuses new calls, waits up to {@code grace} for calls in flight, ends the rest and waits up to
     * {@code grace} again, then runs {@code release} unless a call is still inside (then the last call to exit
     * runs it). A second call does nothing.
     */
    void close(Runnable release, Duration grace) {
        Runnable run;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            this.release = release;
            closerWaiting = true;
            try {
                if (!await(grace)) {
                    List<Call> running = List.copyOf(calls);
                    LOG.warn("closing {}: {} call(s) still running after {} ms; ending them", type, running.size(),
                            grace.toMillis());
                    running.forEach(c -> c.terminate(Call.Reason.CLOSE));
                    if (!await(grace)) {
                        LOG.warn("closing {}: {} call(s) did not end within another {} ms; their resources are "
                                + "freed when they return", type, calls.size(), grace.toMillis());
                        return;
                    }
                }
            } finally {
                closerWaiting = false;
            }
            run = this.release;
            this.release = null;
        }
        if (run != null) {
            run.run();
        }
    }

    /** Waits, holding the monitor, until no call is in flight or {@code timeout} passed; true if none is. */
    private boolean await(Duration timeout) {
        long start = System.nanoTime();
        long total = Call.nanos(timeout);
        boolean interrupted = false;
        try {
            while (!calls.isEmpty()) {
                long left = total - (System.nanoTime() - start);
                if (left <= 0) {
                    return false;
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
