package io.github.layershuffle.samples.swarm.server;

import java.nio.file.Path;

/**
 * A check a block server runs on each export directory before it loads it, to refuse exports it must not serve,
 * for rules of the host's own (an allow-list of export ids, a family), given to
 * {@link BlockServer.Builder#optExportCheck(ExportCheck)}. Signed exports need no check here: a server that
 * requires them passes {@code RuntimeOptions.requireSignature(PublicKey...)} to
 * {@link BlockServer.Builder#optRuntimeOptions} ({@code swarm server --require-signature PUBLIC.pem}), and the
 * loader refuses an export that is unsigned or signed by another key.
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
