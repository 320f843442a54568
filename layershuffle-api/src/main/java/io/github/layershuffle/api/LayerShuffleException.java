package io.github.layershuffle.api;

/**
 * The base of the library's own unchecked exceptions: bad files, incompatible blocks, failed runs.
 * Bad method arguments are reported with {@link IllegalArgumentException}, as the JDK does.
 */
public class LayerShuffleException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with a message that names the value, file or field at fault. */
    public LayerShuffleException(String message) {
        super(message);
    }

    /** An exception with a message and the cause it wraps. */
    public LayerShuffleException(String message, Throwable cause) {
        super(message, cause);
    }
}
