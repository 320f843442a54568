package io.github.layershuffle.api;

/** Thrown when a policy would have to return an empty plan, e.g. every block is marked unavailable. */
public class NoBlockAvailableException extends LayerShuffleException {
    private static final long serialVersionUID = 1L;

    /** An exception whose message says why no block is left. */
    public NoBlockAvailableException(String message) {
        super(message);
    }
}
