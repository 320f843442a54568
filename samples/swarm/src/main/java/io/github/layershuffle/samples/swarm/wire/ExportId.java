package io.github.layershuffle.samples.swarm.wire;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.runtime.Manifest;
import java.io.IOException;
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
     * The id of the export in {@code exportDir}.
     *
     * @throws LayerShuffleException if the manifest cannot be read, naming the file
     */
    public static String of(Path exportDir) {
        Path manifest = exportDir.resolve(Manifest.FILE_NAME);
        try {
            return of(Files.readAllBytes(manifest));
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
