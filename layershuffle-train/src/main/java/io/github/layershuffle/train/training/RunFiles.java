package io.github.layershuffle.train.training;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.checkpoint.AtomicFiles;
import io.github.layershuffle.api.checkpoint.Safetensors;
import io.github.layershuffle.api.checkpoint.SafetensorsFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of a run directory: {@code best.safetensors}, {@code last.safetensors},
 * {@code last-optimizer.safetensors} (Adam's moments), {@code training-state.json} and
 * {@code metrics.jsonl}. Every file is replaced atomically, except {@code metrics.jsonl}, which is appended to:
 * a crash can leave its last line torn, and {@link #keepMetricsUpTo} drops such a line.
 *
 * <p>{@code run.lock} keeps a second trainer out while one works in the directory: {@link #lock()} holds an OS
 * file lock on it, which the OS also releases when the process dies, so a crash never leaves a stale lock.
 */
final class RunFiles {
    static final String OPTIMIZER_FORMAT = "layershuffle-optimizer-state";
    static final String LOCK_FILE = "run.lock";
    private static final Logger LOG = LoggerFactory.getLogger(RunFiles.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    RunFiles(Path dir) {
        this.dir = dir;
    }

    Path best() {
        return dir.resolve("best.safetensors");
    }

    Path last() {
        return dir.resolve("last.safetensors");
    }

    Path optimizer() {
        return dir.resolve("last-optimizer.safetensors");
    }

    Path state() {
        return dir.resolve("training-state.json");
    }

    Path metrics() {
        return dir.resolve("metrics.jsonl");
    }

    Path lockFile() {
        return dir.resolve(LOCK_FILE);
    }

    /** The lock of a run directory, held from {@link #lock()} until {@link #close()}. */
    static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        /** Releases the lock; harmless twice. */
        @Override
        public void close() {
            try {
                if (lock.isValid()) {
                    lock.release();
                }
                channel.close();
            } catch (IOException e) {
                LOG.warn("cannot release {}: {}", channel, e.toString());
            }
        }
    }

    /**
     * Takes the directory's lock, or refuses: another trainer (in this or another process) holds it.
     *
     * @throws LayerShuffleException naming the directory and the process holding it, if it is held
     */
    Lock lock() {
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile(), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot open the lock file " + lockFile() + ": " + e, e);
        }
        try {
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another trainer of this JVM
            }
            if (lock == null) {
                String holder = holder(channel);
                channel.close();
                throw new LayerShuffleException(dir + " is in use by another trainer (" + LOCK_FILE
                        + " is locked" + holder + "); wait for it to end or train into another directory");
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            return new Lock(channel, lock);
        } catch (IOException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new LayerShuffleException("cannot lock " + lockFile() + ": " + e.getMessage(), e);
        }
    }

    /** " by process N" from the lock file, which holds the owner's pid, or "" if it holds none. */
    private static String holder(FileChannel channel) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(32);
        channel.read(b, 0);
        String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim();
        return text.matches("\\d{1,19}") ? " by process " + text : "";
    }

    void writeOptimizer(AdamOptimizer.State state, int epoch) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", OPTIMIZER_FORMAT);
        meta.put("version", "1");
        meta.put("epoch", Integer.toString(epoch));
        try {
            meta.put("steps", JSON.writeValueAsString(state.steps()));
        } catch (IOException e) {
            throw new LayerShuffleException("cannot encode optimizer steps", e);
        }
        Safetensors.write(optimizer(), meta, state.tensors().values());
    }

    /** The saved optimiser state if it exists and belongs to {@code epoch}. */
    Optional<AdamOptimizer.State> readOptimizer(int epoch) {
        if (!Files.isRegularFile(optimizer())) {
            return Optional.empty();
        }
        SafetensorsFile file = Safetensors.read(optimizer());
        Map<String, String> meta = file.metadata();
        if (!OPTIMIZER_FORMAT.equals(meta.get("format")) || !Integer.toString(epoch).equals(meta.get("epoch"))) {
            return Optional.empty();
        }
        try {
            Map<String, Integer> steps = JSON.readValue(meta.get("steps"), new TypeReference<>() { });
            return Optional.of(new AdamOptimizer.State(steps, file.tensors()));
        } catch (IOException | IllegalArgumentException e) {
            throw new LayerShuffleException(optimizer() + ": metadata 'steps' is not valid: " + e.getMessage(), e);
        }
    }

    void writeState(Map<String, String> state) {
        try {
            AtomicFiles.writeString(state(), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(state));
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write " + state() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The metrics lines of epochs up to {@code epochs}; the file is rewritten without later ones. A last line that
     * is not valid, as a crash during {@link #appendMetrics} leaves it, is dropped with a warning.
     *
     * @throws LayerShuffleException if the file cannot be read or written, or a line before the last is not valid
     */
    List<EpochMetrics> keepMetricsUpTo(int epochs) {
        List<EpochMetrics> kept = new ArrayList<>();
        if (Files.isRegularFile(metrics())) {
            List<String> lines;
            try {
                lines = Files.readAllLines(metrics(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new LayerShuffleException("cannot read " + metrics() + ": " + e.getMessage(), e);
            }
            lines.removeIf(String::isBlank);
            for (int i = 0; i < lines.size(); i++) {
                EpochMetrics m;
                try {
                    m = EpochMetrics.fromJson(lines.get(i));
                } catch (LayerShuffleException e) {
                    if (i < lines.size() - 1) {
                        throw new LayerShuffleException(metrics() + " line " + (i + 1) + ": " + e.getMessage(), e);
                    }
                    LOG.warn("{}: dropping its last line, torn by an interrupted write: {}", metrics(),
                            e.getMessage());
                    break;
                }
                if (m.epoch() <= epochs) {
                    kept.add(m);
                }
            }
        }
        StringBuilder text = new StringBuilder();
        kept.forEach(m -> text.append(m.toJson()).append('\n'));
        try {
            AtomicFiles.writeString(metrics(), text.toString());
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write " + metrics() + ": " + e.getMessage(), e);
        }
        return kept;
    }

    void appendMetrics(EpochMetrics m) {
        try {
            Files.writeString(metrics(), m.toJson() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot append to " + metrics() + ": " + e.getMessage(), e);
        }
    }
}
