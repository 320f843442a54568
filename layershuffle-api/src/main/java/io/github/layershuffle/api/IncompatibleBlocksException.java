package io.github.layershuffle.api;

/** Thrown when blocks of different models cannot be combined: another family, width, token count or variant. */
public class IncompatibleBlocksException extends LayerShuffleException {
    private static final long serialVersionUID = 1L;

    /** An exception whose message says which property differs and the two values. */
    public IncompatibleBlocksException(String message) {
        super(message);
    }
}
