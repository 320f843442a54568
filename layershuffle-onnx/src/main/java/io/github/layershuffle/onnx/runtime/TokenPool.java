package io.github.layershuffle.onnx.runtime;

import ai.onnxruntime.OnnxTensor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Token tensors {@code [batch, T, D]} that ONNX Runtime allocated in earlier passes, kept so that later passes
 * hand them to the blocks as pinned outputs: a block then writes into memory that already exists instead of
 * ONNX Runtime allocating an output and ONNX Runtime Java wrapping it in new objects, which at batch 1 costs
 * about as much as a small block's arithmetic.
 *
 * <p>Every tensor in the pool is native memory that ONNX Runtime owns, freed the moment it is closed. The pool
 * keeps at most {@code capacityBytes} of them idle; when a tensor does not fit it first closes the idle tensors of
 * the batch sizes used least recently, then, if there is still no room, the tensor itself. A tensor is in the
 * pool or taken by exactly one pass, never both. Thread-safe.
 */
final class TokenPool implements AutoCloseable {
    private final long bytesPerImage;
    private final long capacityBytes;
    /** Idle tensors by batch size, least recently used batch size first. */
    private final LinkedHashMap<Long, ArrayDeque<OnnxTensor>> idle = new LinkedHashMap<>(8, 0.75f, true);
    private long idleBytes;
    private boolean closed;

    /**
     * @param tokenCount    T
     * @param width         D
     * @param capacityBytes the most bytes of idle tensors kept; 0 keeps none
     */
    TokenPool(int tokenCount, int width, long capacityBytes) {
        this.bytesPerImage = (long) tokenCount * width * Float.BYTES;
        this.capacityBytes = capacityBytes;
    }

    /** An idle tensor {@code [batch, T, D]} for the caller to write into and later {@link #give} back, or null. */
    synchronized OnnxTensor take(long batch) {
        ArrayDeque<OnnxTensor> q = idle.get(batch);
        if (q == null) {
            return null;
        }
        OnnxTensor t = q.pop();
        if (q.isEmpty()) {
            idle.remove(batch);
        }
        idleBytes -= batch * bytesPerImage;
        return t;
    }

    /**
     * Keeps {@code tensor}, an open {@code [batch, T, D]} tensor that ONNX Runtime allocated and nobody else holds,
     * or closes it if it does not fit or the pool is closed. A null tensor is ignored.
     */
    void give(OnnxTensor tensor) {
        if (tensor == null) {
            return;
        }
        long batch = tensor.getInfo().getShape()[0];
        long size = batch * bytesPerImage;
        List<OnnxTensor> toClose = new ArrayList<>();
        synchronized (this) {
            ArrayDeque<OnnxTensor> same = idle.get(batch);
            long sameBytes = same == null ? 0 : same.size() * size;
            if (!closed && sameBytes + size <= capacityBytes) {
                Iterator<Map.Entry<Long, ArrayDeque<OnnxTensor>>> lru = idle.entrySet().iterator();
                while (idleBytes + size > capacityBytes && lru.hasNext()) {
                    Map.Entry<Long, ArrayDeque<OnnxTensor>> e = lru.next();
                    if (e.getKey() != batch) {
                        toClose.addAll(e.getValue());
                        idleBytes -= e.getKey() * bytesPerImage * e.getValue().size();
                        lru.remove();
                    }
                }
            }
            if (!closed && idleBytes + size <= capacityBytes) {
                idle.computeIfAbsent(batch, b -> new ArrayDeque<>()).push(tensor);
                idleBytes += size;
            } else {
                toClose.add(tensor);
            }
        }
        toClose.forEach(OnnxTensor::close);
    }

    /** Bytes of idle tensors held now. */
    synchronized long idleBytes() {
        return idleBytes;
    }

    /** Number of idle tensors held now. */
    synchronized int idleCount() {
        return idle.values().stream().mapToInt(ArrayDeque::size).sum();
    }

    /** Closes every idle tensor; tensors given back later are closed at once. Idempotent. */
    @Override
    public void close() {
        List<OnnxTensor> toClose = new ArrayList<>();
        synchronized (this) {
            closed = true;
            idle.values().forEach(toClose::addAll);
            idle.clear();
            idleBytes = 0;
        }
        toClose.forEach(OnnxTensor::close);
    }

    @Override
    public synchronized String toString() {
        return "TokenPool[" + idleCount() + " idle, " + idleBytes + " of " + capacityBytes + " bytes]";
    }
}
