package io.github.layershuffle.api;

/**
 * Thrown when a call ran past its deadline and was ended, e.g. a model run past
 * {@code RuntimeOptions.callTimeout}. The message names the call, the deadline and the part that was running.
 */
public class DeadlineExceededException extends LayerShuffleException {
    private static final long serialVersionUID = 1L;

    /** An exception whose message names the call, the deadline and where it was. */
    public DeadlineExceededException(String message) {
        super(message);
    }

    /** An exception with a message and the cause it wraps. */
    public DeadlineExceededException(String message, Throwable cause) {
        super(message, cause);
    }
}
