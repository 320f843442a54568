package io.github.layershuffle.samples.swarm.server;

import java.nio.file.Path;

/**
 * A check a block server runs on each export directory before it loads it, to refuse exports it must not serve.
 * The extension point for signed exports: once {@code layershuffle-onnx} verifies a detached Ed25519 signature of
 * the manifest (the untrusted-inputs work, {@code RuntimeOptions.requireSignature(PublicKey...)}), a server that
 * requires signed exports passes those {@code RuntimeOptions} to {@link BlockServer.Builder#optRuntimeOptions} and
 * the loader refuses an unsigned one; until then, or for other rules (an allow-list of export ids, a family), a
 * check given to {@link BlockServer.Builder#optExportCheck(ExportCheck)} runs here.
 */
@FunctionalInterface
public interface ExportCheck {

    /**
     * Refuses the export in {@code exportDir} by throwing; returns normally to let it load.
     *
     * @throws RuntimeException (a {@code LayerShuffleException}, naming the file at fault) to refuse the export
     */
    void check(Path exportDir);
}
