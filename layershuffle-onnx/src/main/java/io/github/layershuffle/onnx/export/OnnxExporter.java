package io.github.layershuffle.onnx.export;

import ai.onnx.proto.OnnxMl;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.onnx.export.OnnxGraph.Value;
import io.github.layershuffle.onnx.signing.ExportKeys;
import io.github.layershuffle.onnx.signing.ExportSignature;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exports a checkpoint as an export directory ({@code docs/FORMATS.md}, {@code layershuffle-export} version
 * 1): {@code stem.onnx}, one {@code block-NN.onnx} per block, {@code head.onnx}, optionally {@code model.onnx}
 * (the whole model in sequential order), and {@code manifest.json} with the config, the family, each file's
 * SHA-256 and each graph's inputs and outputs; with {@link Builder#optSigningKey(PrivateKey)}, also
 * {@code manifest.json.sig}, the manifest's Ed25519 signature. Graphs use standard ONNX operators at opset
 * {@value #OPSET}, IR version {@value #IR_VERSION}, with a dynamic batch axis.
 *
 * <p>The directory is written under a temporary sibling name and renamed into place only when complete: a
 * failed export leaves no directory that loads and never destroys an existing export.
 *
 * <pre>{@code
 * Path dir = OnnxExporter.builder()
 *         .optFullModel(true)
 *         .optOverwrite(true)
 *         .build()
 *         .export(Path.of("runs/ls/best.safetensors"), Path.of("exports/ls"));
 * }</pre>
 *
 * <p>Instances are immutable and thread-safe; concurrent exports must target different directories.
 */
public final class OnnxExporter {
    /** The ONNX opset (default domain) of every exported graph. */
    public static final int OPSET = OnnxGraph.OPSET;
    /** The ONNX IR version of every exported graph. */
    public static final long IR_VERSION = OnnxGraph.IR_VERSION;

    private static final Logger LOG = LoggerFactory.getLogger(OnnxExporter.class);
    private static final String PRODUCER_VERSION = readVersion();

    /** Called after each file of an export is complete; lets tests interrupt an export half-way. */
    @FunctionalInterface
    interface FileListener {
        void written(Path file) throws IOException;
    }

    private final boolean fullModel;
    private final boolean overwrite;
    private final FileListener listener;
    private final PrivateKey signingKey;

    private OnnxExporter(Builder b) {
        this.fullModel = b.fullModel;
        this.overwrite = b.overwrite;
        this.listener = b.listener;
        this.signingKey = b.signingKey;
    }

    /** A builder; by default {@code model.onnx} is not written and an existing directory is refused. */
    public static Builder builder() {
        return new Builder();
    }

    /** An exporter with the default options. */
    public static OnnxExporter create() {
        return builder().build();
    }

    /** The {@code producer} an export records, e.g. {@code layershuffle 0.1.0}. */
    public static String producer() {
        return OnnxGraph.PRODUCER + " " + PRODUCER_VERSION;
    }

    /**
     * Reads the checkpoint file and exports it; see {@link #export(Checkpoint, Path)}.
     *
     * @param checkpointFile a {@code layershuffle-checkpoint} safetensors file
     * @param directory      the export directory to create
     * @return the export directory, absolute
     * @throws LayerShuffleException if the checkpoint cannot be read or is invalid (naming the file and the
     *                               tensor at fault), or the export fails as {@link #export(Checkpoint, Path)}
     *                               says; no export directory is then created
     */
    public Path export(Path checkpointFile, Path directory) {
        Objects.requireNonNull(checkpointFile, "checkpointFile");
        Objects.requireNonNull(directory, "directory");
        return export(Checkpoint.read(checkpointFile), directory);
    }

    /**
     * Exports {@code checkpoint} into {@code directory}.
     *
     * @return the export directory, absolute
     * @throws LayerShuffleException if {@code directory} exists and overwrite is off, or it exists and is not
     *                               an export directory (a file, or a non-empty directory without
     *                               {@code manifest.json}), or writing fails; the previous content of
     *                               {@code directory}, if any, is then left in place
     */
    public Path export(Checkpoint checkpoint, Path directory) {
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(directory, "directory");
        ModelConfig config = checkpoint.config();
        try (StagedDirectory staged = StagedDirectory.create(directory, overwrite, ManifestWriter.FILE)) {
            Path dir = staged.path();
            LOG.info("exporting a {} model ({} blocks, width {}) to {}", config.variant(), config.depth(),
                    config.width(), staged.target());
            ExportedGraph stem = write(dir, "stem.onnx", stemGraph(checkpoint), checkpoint, "stem");
            List<ExportedGraph> blocks = new ArrayList<>(config.depth());
            for (int i = 0; i < config.depth(); i++) {
                blocks.add(write(dir, blockFile(i), blockGraph(checkpoint, i), checkpoint, "block-" + i));
            }
            ExportedGraph head = write(dir, "head.onnx", headGraph(checkpoint), checkpoint, "head");
            ExportedGraph full = fullModel
                    ? write(dir, "model.onnx", fullGraph(checkpoint), checkpoint, "full") : null;
            byte[] manifest = ManifestWriter.write(checkpoint, producer(), stem, blocks, head, full);
            writeFile(dir.resolve(ManifestWriter.FILE), out -> out.write(manifest));
            if (signingKey != null) {
                byte[] signature = ExportSignature.sign(manifest, signingKey);
                writeFile(dir.resolve(ExportSignature.FILE_NAME), out -> out.write(signature));
            }
            staged.commit();
            LOG.info("exported {} graphs to {}", blocks.size() + (full == null ? 2 : 3), staged.target());
            return staged.target();
        } catch (IOException e) {
            throw new LayerShuffleException("export to " + directory + " failed: " + e, e);
        }
    }

    /** The file name of block {@code index}: {@code block-00.onnx}, ... ({@code block-100.onnx} past 99). */
    static String blockFile(int index) {
        return String.format(java.util.Locale.ROOT, "block-%02d.onnx", index);
    }

    static OnnxGraph stemGraph(Checkpoint ckpt) {
        ModelConfig c = ckpt.config();
        OnnxGraph g = new OnnxGraph("stem");
        Value pixels = g.input("pixels", ElementType.FLOAT32, -1, c.channels(), c.imageSize(), c.imageSize());
        g.output("tokens", new VitGraphs(ckpt, g).stem(pixels), ElementType.FLOAT32, tokenShape(c));
        return g;
    }

    static OnnxGraph blockGraph(Checkpoint ckpt, int index) {
        ModelConfig c = ckpt.config();
        OnnxGraph g = new OnnxGraph("block_" + index);
        Value tokens = g.input("tokens", ElementType.FLOAT32, tokenShape(c));
        Value position = c.variant().usesPosition() ? g.input("position", ElementType.INT64) : null;
        VitGraphs vit = new VitGraphs(ckpt, g);
        Value out = vit.block(index, tokens, position);
        g.output("tokens_out", out, ElementType.FLOAT32, tokenShape(c));
        if (c.variant().predictsPosition()) {
            g.output("position_logits", vit.positionLogits(index, out), ElementType.FLOAT32, -1, c.depth());
        }
        return g;
    }

    static OnnxGraph headGraph(Checkpoint ckpt) {
        ModelConfig c = ckpt.config();
        OnnxGraph g = new OnnxGraph("head");
        Value tokens = g.input("tokens", ElementType.FLOAT32, tokenShape(c));
        g.output("logits", new VitGraphs(ckpt, g).head(tokens), ElementType.FLOAT32, -1, c.classes());
        return g;
    }

    /** stem, every block in sequential order (block i in slot i), head; the -predict logits are left out. */
    static OnnxGraph fullGraph(Checkpoint ckpt) {
        ModelConfig c = ckpt.config();
        OnnxGraph g = new OnnxGraph("model");
        VitGraphs vit = new VitGraphs(ckpt, g);
        Value x = vit.stem(g.input("pixels", ElementType.FLOAT32, -1, c.channels(), c.imageSize(), c.imageSize()));
        for (int i = 0; i < c.depth(); i++) {
            Value slot = c.variant().usesPosition() ? g.scalar("blocks." + i + ".slot", (long) i) : null;
            x = vit.block(i, x, slot);
        }
        g.output("logits", vit.head(x), ElementType.FLOAT32, -1, c.classes());
        return g;
    }

    private static long[] tokenShape(ModelConfig c) {
        return new long[] {-1, c.tokenCount(), c.width()};
    }

    private ExportedGraph write(Path dir, String file, OnnxGraph graph, Checkpoint ckpt, String part)
            throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("layershuffle.part", part);
        meta.put("layershuffle.family", ckpt.family());
        meta.put("layershuffle.variant", ckpt.config().variant().id());
        meta.put("layershuffle.config", ckpt.config().toJsonNode().toString());
        OnnxMl.ModelProto model = graph.build(PRODUCER_VERSION, meta);
        String sha256 = writeFile(dir.resolve(file), model::writeTo);
        LOG.debug("wrote {} ({} bytes, sha256 {})", file, model.getSerializedSize(), sha256);
        return new ExportedGraph(file, sha256, Files.size(dir.resolve(file)), graph.inputs(), graph.outputs());
    }

    @FunctionalInterface
    private interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    /** Writes a file, forces it to disk and returns the lower-case hex SHA-256 of what was written. */
    private String writeFile(Path file, Content content) throws IOException {
        MessageDigest sha = sha256();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = new DigestOutputStream(
                    new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 20), sha);
            content.writeTo(out);
            out.flush();
            ch.force(true);
        }
        listener.written(file);
        return HexFormat.of().formatHex(sha.digest());
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    private static String readVersion() {
        try (InputStream in = OnnxExporter.class.getResourceAsStream("version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version", "").strip();
                if (!v.isEmpty() && !v.startsWith("${")) {
                    return v;
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot read version.properties", e);
        }
        return "unknown";
    }

    /**
     * Options of an {@link OnnxExporter}; every setter is optional ({@code opt*}).
     */
    public static final class Builder {
        private boolean fullModel;
        private boolean overwrite;
        private FileListener listener = file -> { };
        private PrivateKey signingKey;

        private Builder() {
        }

        /** Also writes {@code model.onnx}, the whole model in sequential order as one graph (default off). */
        public Builder optFullModel(boolean fullModel) {
            this.fullModel = fullModel;
            return this;
        }

        /**
         * Replaces an existing export directory (default off: an existing directory is refused). Only a
         * directory with a {@code manifest.json}, or an empty one, is replaced; the old content is removed only
         * after the new export is complete.
         */
        public Builder optOverwrite(boolean overwrite) {
            this.overwrite = overwrite;
            return this;
        }

        /**
         * Signs each export with {@code key} (default: unsigned): {@code manifest.json.sig} holds the Ed25519
         * signature of the manifest, which lists every file's SHA-256, and is written into the staged directory
         * with the rest, so it appears with the export or not at all. Read a key with
         * {@link ExportKeys#readPrivateKey(Path)}; hosts check with {@code RuntimeOptions.Builder.requireSignature}.
         *
         * @throws IllegalArgumentException as {@link ExportKeys#requireEd25519(PrivateKey)}
         */
        public Builder optSigningKey(PrivateKey key) {
            this.signingKey = ExportKeys.requireEd25519(key);
            return this;
        }

        /** Test hook: runs after each file is written. */
        Builder afterEachFile(FileListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The exporter. */
        public OnnxExporter build() {
            return new OnnxExporter(this);
        }
    }
}
