package io.github.layershuffle.cli.search;

import ai.onnxruntime.OnnxTensor;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokens of the whole validation set after a prefix of blocks, one tensor per batch, kept so that a
 * candidate that begins with the same blocks resumes from there. Bounded in bytes; the least recently used
 * prefix is evicted (and its tensors closed) first. Not thread-safe: one search uses it from one thread.
 */
final class PrefixCache implements AutoCloseable {
    private final long maxBytes;
    private final LinkedHashMap<List<BlockRef>, Entry> entries = new LinkedHashMap<>(64, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;

    private record Entry(OnnxTensor[] batches, long bytes) {
    }

    PrefixCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("maxBytes must be >= 0, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /**
     * The longest cached prefix of {@code recipe} (at most {@code recipe.size()} blocks), or 0 if none; the
     * tensors stay owned by the cache.
     */
    int longestPrefix(List<BlockRef> recipe) {
        for (int n = recipe.size(); n > 0; n--) {
            if (entries.get(recipe.subList(0, n)) != null) {
                hits++;
                return n;
            }
        }
        misses++;
        return 0;
    }

    /** The cached tokens after {@code prefix}, or {@code null}; they stay owned by the cache. */
    OnnxTensor[] get(List<BlockRef> prefix) {
        Entry e = entries.get(prefix);
        return e == null ? null : e.batches;
    }

    /**
     * Takes ownership of {@code batches} as the tokens after {@code prefix}, evicting older prefixes to stay
     * within the bound. Returns whether they were kept; tensors not kept are closed by the caller.
     */
    boolean put(List<BlockRef> prefix, OnnxTensor[] batches) {
        long size = 0;
        for (OnnxTensor t : batches) {
            size += bytesOf(t);
        }
        if (size > maxBytes || entries.containsKey(prefix)) {
            return false;
        }
        while (bytes + size > maxBytes) {
            Iterator<Map.Entry<List<BlockRef>, Entry>> it = entries.entrySet().iterator();
            Entry old = it.next().getValue();
            it.remove();
            bytes -= old.bytes;
            for (OnnxTensor t : old.batches) {
                t.close();
            }
        }
        entries.put(List.copyOf(prefix), new Entry(batches, size));
        bytes += size;
        return true;
    }

    private static long bytesOf(OnnxTensor t) {
        long n = Float.BYTES;
        for (long d : t.getInfo().getShape()) {
            n *= d;
        }
        return n;
    }

    long bytes() {
        return bytes;
    }

    int size() {
        return entries.size();
    }

    long hits() {
        return hits;
    }

    long misses() {
        return misses;
    }

    @Override
    public void close() {
        for (Entry e : entries.values()) {
            for (OnnxTensor t : e.batches) {
                t.close();
            }
        }
        entries.clear();
        bytes = 0;
    }
}
