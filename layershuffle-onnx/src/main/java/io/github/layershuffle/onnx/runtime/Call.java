package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.RunOptions;
import io.github.layershuffle.api.DeadlineExceededException;
import io.github.layershuffle.api.LayerShuffleException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One call into a model ({@code predict}, {@code run}, a block, the stem or the head): the ONNX Runtime run
 * options every session run of the call uses, so that the call can be ended from another thread. At its deadline
 * a scheduler sets ONNX Runtime's terminate flag, and so does {@link Guard#close} for calls still running when
 * its grace period ends; ONNX Runtime checks the flag between nodes, also inside a {@code Loop}, so a graph that
 * never ends is ended. Once set, the flag fails every later run of the call too.
 */
final class Call implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Call.class);

    /** Why a call was ended. */
    enum Reason { DEADLINE, CLOSE }

    private final String what;
    private final Object on;
    private final Duration timeout;
    private final RunOptions options;
    private final ScheduledFuture<?> deadline;
    private Reason reason;
    private boolean closed;

    /**
     * Starts a call.
     *
     * @param what    names the call in messages, e.g. "predict"
     * @param on      what it is called on, named in messages (its {@code toString} is called only then)
     * @param timeout the call's deadline from now, or {@link Duration#ZERO} for none
     * @throws LayerShuffleException if ONNX Runtime cannot make run options
     */
    Call(String what, Object on, Duration timeout) {
        this.what = what;
        this.on = on;
        this.timeout = timeout;
        try {
            this.options = new RunOptions();
        } catch (OrtException e) {
            throw new LayerShuffleException(what + " on " + on + ": cannot create ONNX Runtime run options: "
                    + e.getMessage(), e);
        }
        this.deadline = timeout.isZero() ? null
                : Scheduler.INSTANCE.schedule(() -> terminate(Reason.DEADLINE), nanos(timeout), TimeUnit.NANOSECONDS);
    }

    /** {@code d} in nanoseconds, saturating at {@link Long#MAX_VALUE} rather than overflowing. */
    static long nanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** The run options for every session run of this call. */
    RunOptions options() {
        return options;
    }

    /** Ends the call's current and later session runs, unless it has already ended. */
    synchronized void terminate(Reason why) {
        if (closed || reason != null) {
            return;
        }
        reason = why;
        try {
            options.setTerminate(true);
        } catch (OrtException e) {
            LOG.warn("{}: cannot set ONNX Runtime's terminate flag", this, e);
        }
    }

    /** Why the call was ended, or null while it runs. */
    synchronized Reason reason() {
        return reason;
    }

    /**
     * The exception for a session run of this call that ONNX Runtime failed with {@code e}.
     *
     * @param graph names the graph that was running
     * @return a {@link DeadlineExceededException} if the deadline ended the call, an {@link IllegalStateException}
     *         if closing the model did, else a {@link LayerShuffleException}
     */
    RuntimeException failure(String graph, OrtException e) {
        Reason why = reason();
        if (why == Reason.DEADLINE) {
            return new DeadlineExceededException(this + " exceeded its deadline of " + timeout.toMillis()
                    + " ms (RuntimeOptions.callTimeout) in " + graph + "; ONNX Runtime ended the run", e);
        }
        if (why == Reason.CLOSE) {
            return new IllegalStateException(this + ": the LayerShuffleModel was closed while the call ran ("
                    + graph + "); ONNX Runtime ended the run", e);
        }
        return new LayerShuffleException(graph + ": ONNX Runtime failed: " + GraphSession.brief(e), e);
    }

    /** Cancels the deadline and frees the run options; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (deadline != null) {
            deadline.cancel(false);
        }
        options.close();
    }

    @Override
    public String toString() {
        return what + " on " + on;
    }

    /** One daemon thread for every deadline of the process. */
    private static final class Scheduler {
        static final ScheduledThreadPoolExecutor INSTANCE = create();

        private static ScheduledThreadPoolExecutor create() {
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "layershuffle-deadlines");
                t.setDaemon(true);
                return t;
            });
            s.setRemoveOnCancelPolicy(true);
            return s;
        }
    }
}
