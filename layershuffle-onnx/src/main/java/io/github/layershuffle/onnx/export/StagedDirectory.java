package io.github.layershuffle.onnx.export;

import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory written under a temporary sibling name and renamed into place only when complete, so the
 * target is either absent, the previous content, or the complete new content; never a part.
 *
 * <p>Replacing an existing directory takes two renames (old out of the way, new in), as no portable call
 * swaps two directories: a crash between them leaves the target absent and the old content under a hidden
 * {@code .NAME.old-*} sibling, never a half-written target. A failed second rename puts the old content back.
 */
final class StagedDirectory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StagedDirectory.class);

    private final Path target;
    private final boolean overwrite;
    private final Path staging;
    private boolean committed;

    private StagedDirectory(Path target, boolean overwrite, Path staging) {
        this.target = target;
        this.overwrite = overwrite;
        this.staging = staging;
    }

    /**
     * Checks that {@code target} may be written and creates the staging directory beside it.
     *
     * @param marker a file whose presence marks a directory as one {@code overwrite} may replace
     * @throws LayerShuffleException if the target exists and may not be replaced, or the staging directory
     *                               cannot be created
     */
    static StagedDirectory create(Path target, boolean overwrite, String marker) {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        if (parent == null) {
            throw new LayerShuffleException("cannot export to the file system root " + absolute);
        }
        checkReplaceable(absolute, overwrite, marker);
        try {
            Files.createDirectories(parent);
            Path staging = Files.createTempDirectory(parent, "." + absolute.getFileName() + ".tmp-");
            return new StagedDirectory(absolute, overwrite, staging);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot create a staging directory beside " + absolute + ": " + e, e);
        }
    }

    private static void checkReplaceable(Path target, boolean overwrite, String marker) {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!overwrite) {
            throw new LayerShuffleException("export directory " + target
                    + " already exists; enable overwrite to replace it");
        }
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new LayerShuffleException(target + " exists and is not a directory; refusing to replace it");
        }
        if (!Files.isRegularFile(target.resolve(marker)) && !isEmpty(target)) {
            throw new LayerShuffleException(target + " is not an export directory (it has files but no " + marker
                    + "); refusing to replace it");
        }
    }

    private static boolean isEmpty(Path dir) {
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            return !s.iterator().hasNext();
        } catch (IOException e) {
            throw new LayerShuffleException("cannot list " + dir + ": " + e, e);
        }
    }

    /** The directory to write into. */
    Path path() {
        return staging;
    }

    /** The final directory. */
    Path target() {
        return target;
    }

    /**
     * Moves the staged directory into place, replacing the target if allowed.
     *
     * @throws LayerShuffleException if the target may no longer be replaced or a rename fails; the previous
     *                               target is then left (or put back) in place
     */
    void commit() {
        if (committed) {
            throw new IllegalStateException("staged directory for " + target + " was already committed");
        }
        forceDirectory(staging);
        checkReplaceable(target, overwrite, ManifestWriter.FILE);
        try {
            if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                replace();
            }
        } catch (IOException e) {
            throw new LayerShuffleException("cannot move the finished export into " + target + ": " + e, e);
        }
        committed = true;
        forceDirectory(target.getParent());
    }

    private void replace() throws IOException {
        Path old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException restore) {
                e.addSuppressed(restore);
                LOG.error("the previous export of {} is kept at {}; moving it back failed", target, old, restore);
            }
            throw e;
        }
        deleteTree(old);
    }

    /** Deletes the staging directory unless it was committed; harmless to call twice. */
    @Override
    public void close() {
        if (!committed && Files.exists(staging, LinkOption.NOFOLLOW_LINKS)) {
            deleteTree(staging);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    /** Flushes a directory's entries to disk where the platform allows opening a directory (Linux, macOS). */
    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot force directory {} to disk: {}", dir, e.toString());
        }
    }
}
