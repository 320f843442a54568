package io.github.layershuffle.onnx.runtime;

import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Open/closed state of an object whose native resources many threads use at once: calls {@link #enter()} as
 * readers, and {@link #close(Runnable)} waits for them, runs the release once, and makes later calls throw
 * {@link IllegalStateException} naming the type.
 */
final class Guard {
    private final String type;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    Guard(String type) {
        this.type = type;
    }

    /**
     * Starts a call; pair with {@link #exit()} in a {@code finally}.
     *
     * @throws IllegalStateException if closed
     */
    void enter() {
        lock.readLock().lock();
        if (closed) {
            lock.readLock().unlock();
            throw new IllegalStateException("this " + type + " is closed");
        }
    }

    void exit() {
        lock.readLock().unlock();
    }

    boolean isClosed() {
        return closed;
    }

    /** Waits for calls in flight, then runs {@code release} unless it already ran. */
    void close(Runnable release) {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                release.run();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }
}
