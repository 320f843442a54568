package io.github.layershuffle.samples.swarm.wire;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.runtime.Manifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The name an export goes by in a swarm: the first 16 hex digits of the SHA-256 of its {@code manifest.json}.
 * The manifest holds the SHA-256 of every graph, so the id addresses the export's content: servers that load the
 * same export agree on its id without being told, and a client can name its model by the export directory.
 */
public final class ExportId {

    private ExportId() {
    }

    /**
     * The id of the export in {@code exportDir}. The manifest is read as the loader reads it: a regular file
     * directly inside the directory (links followed, but not out of it), at most {@link Manifest#MAX_BYTES}.
     *
     * @throws LayerShuffleException if the manifest cannot be read, is not such a file, or is too large, naming the
     *                               file (never the target of a link that leaves the directory)
     */
    public static String of(Path exportDir) {
        Path manifest = exportDir.resolve(Manifest.FILE_NAME);
        try {
            Path dir = exportDir.toRealPath();
            Path real = manifest.toRealPath();
            if (!dir.equals(real.getParent())) {
                throw new LayerShuffleException(manifest + " links out of the export directory; refused");
            }
            if (!Files.isRegularFile(real)) {
                throw new LayerShuffleException(manifest + " is not a regular file");
            }
            try (InputStream in = Files.newInputStream(real)) {
                byte[] bytes = in.readNBytes(Manifest.MAX_BYTES + 1);
                if (bytes.length > Manifest.MAX_BYTES) {
                    throw new LayerShuffleException(manifest + " is larger than " + Manifest.MAX_BYTES + " bytes");
                }
                return of(bytes);
            }
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read " + manifest + " to name the export: " + e.getMessage(), e);
        }
    }

    /** The id of an export whose manifest has these bytes. */
    public static String of(byte[] manifestBytes) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(manifestBytes);
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
