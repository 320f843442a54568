package io.github.layershuffle.onnx.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@code manifest.json} of an export directory ({@code layershuffle-export}, version 1; see
 * {@code docs/FORMATS.md}): the model config, the family, and for each graph its file, SHA-256 and tensor specs.
 *
 * <p>{@link #parse(String, String)} checks everything that does not need the graph files: format and version,
 * required fields, that every file name is a plain name inside the export directory, and that every graph's
 * inputs and outputs are the ones the tensor contract prescribes for this config and variant. The manifest is
 * untrusted input: {@link #read(Path)} reads at most {@link #MAX_BYTES}, every array is checked against its cap
 * ({@link #MAX_BLOCKS}, {@link #MAX_TENSORS}, {@link #MAX_RANK}) before it is walked, and a message quotes at most
 * the first {@value #QUOTE_CHARS} characters of a bad value.
 *
 * <pre>{@code
 * Manifest m = Manifest.read(Path.of("exports/a"));
 * System.out.println(m.config().variant() + " with " + m.blocks().size() + " blocks, family " + m.family());
 * }</pre>
 *
 * @param format    always {@link #FORMAT}
 * @param version   the format version, 1 to {@link #FORMAT_VERSION}
 * @param family    id shared by every model fine-tuned from one base
 * @param producer  the tool that wrote the export, free text (may be empty)
 * @param opset     the ONNX opset of the graphs (0 if not stated)
 * @param irVersion the ONNX IR version of the graphs (0 if not stated)
 * @param config    the model config
 * @param stem      the stem graph: pixels to tokens
 * @param blocks    the block graphs, {@code blocks.get(i).index() == i}
 * @param head      the head graph: tokens to logits
 * @param full      the optional whole-model graph, or {@code null}; the runtime does not use it
 */
public record Manifest(String format, int version, String family, String producer, int opset, int irVersion,
                       ModelConfig config, Graph stem, List<Graph> blocks, Graph head, Graph full) {

    /** The {@code format} value of an export manifest. */
    public static final String FORMAT = "layershuffle-export";
    /** The newest manifest version this library reads and writes. */
    public static final int FORMAT_VERSION = 1;
    /** The manifest's file name inside an export directory. */
    public static final String FILE_NAME = "manifest.json";
    /** The most bytes of {@code manifest.json} read: 4 MiB. */
    public static final int MAX_BYTES = 4 << 20;
    /**
     * The most entries of {@code blocks}: {@link ModelConfig#MAX_DEPTH}, since a manifest holds one block per
     * layer of its config's depth, so a longer array can never be valid and is refused before it is walked.
     */
    public static final int MAX_BLOCKS = ModelConfig.MAX_DEPTH;
    /** The most entries of a graph's {@code inputs} or {@code outputs}. */
    public static final int MAX_TENSORS = 8;
    /** The most dimensions of a tensor's {@code shape}. */
    public static final int MAX_RANK = 8;
    /** The most characters of a bad value a message quotes. */
    static final int QUOTE_CHARS = 120;

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Checks the fields and the tensor contract.
     *
     * @throws LayerShuffleException naming the field, graph or tensor at fault
     */
    public Manifest {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(stem, "stem");
        Objects.requireNonNull(head, "head");
        producer = producer == null ? "" : producer;
        blocks = List.copyOf(Objects.requireNonNull(blocks, "blocks"));
        if (!FORMAT.equals(format)) {
            throw new LayerShuffleException("format is " + quote(format) + ", expected '" + FORMAT + "'");
        }
        checkVersion(version);
        if (family == null || family.isBlank()) {
            throw new LayerShuffleException("field 'family' is missing or blank");
        }
        if (blocks.size() != config.depth()) {
            throw new LayerShuffleException("has " + blocks.size() + " blocks but config.depth is " + config.depth());
        }
        for (int i = 0; i < blocks.size(); i++) {
            Integer index = blocks.get(i).index();
            if (index == null || index != i) {
                throw new LayerShuffleException("blocks[" + i + "] has index " + index + ", expected " + i);
            }
        }
        TensorContract.check(config, stem, blocks, head, full);
    }

    /**
     * One graph of the export.
     *
     * @param index   the block index for a block graph, {@code null} for the stem, head and full graph
     * @param file    a plain file name inside the export directory
     * @param sha256  the SHA-256 of the file, 64 hex digits
     * @param bytes   the file's size in bytes, or -1 where the manifest does not state it (the loader then reads at
     *                most {@link RuntimeOptions#maxGraphBytes()})
     * @param inputs  the graph's inputs
     * @param outputs the graph's outputs
     */
    public record Graph(Integer index, String file, String sha256, long bytes, List<TensorSpec> inputs,
                        List<TensorSpec> outputs) {

        /**
         * Checks the file name, digest and size.
         *
         * @throws LayerShuffleException if the file name is not a plain name inside the directory, the digest
         *                               is not 64 hex digits, or {@code bytes} is neither -1 nor in
         *                               {@code [1, }{@link ExportSource#MAX_ARRAY_BYTES}{@code ]}
         */
        public Graph {
            checkFileName(file);
            if (sha256 == null || !sha256.matches("[0-9a-fA-F]{64}")) {
                throw new LayerShuffleException("sha256 of '" + file + "' must be 64 hex digits, was " + quote(sha256));
            }
            if (bytes != -1 && (bytes < 1 || bytes > ExportSource.MAX_ARRAY_BYTES)) {
                throw new LayerShuffleException("bytes of '" + file + "' is " + bytes + ", expected 1 to "
                        + ExportSource.MAX_ARRAY_BYTES + " (or the field left out)");
            }
            inputs = List.copyOf(Objects.requireNonNull(inputs, "inputs"));
            outputs = List.copyOf(Objects.requireNonNull(outputs, "outputs"));
        }
    }

    /**
     * A graph input or output.
     *
     * @param name  the tensor name, e.g. {@code tokens}
     * @param type  {@code float32} or {@code int64}
     * @param shape the dimensions; {@code -1} marks the dynamic batch axis; empty for a scalar
     */
    public record TensorSpec(String name, String type, List<Long> shape) {

        /** Checks the fields are present. */
        public TensorSpec {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(type, "type");
            shape = List.copyOf(Objects.requireNonNull(shape, "shape"));
        }

        /** A spec from a shape array. */
        public static TensorSpec of(String name, String type, long... shape) {
            List<Long> dims = new ArrayList<>(shape.length);
            for (long d : shape) {
                dims.add(d);
            }
            return new TensorSpec(name, type, dims);
        }

        @Override
        public String toString() {
            return name + " " + type + " " + shape;
        }
    }

    /**
     * Reads {@code manifest.json} of an export directory, as the loader does: a regular file inside the directory
     * of at most {@link #MAX_BYTES}.
     *
     * @throws LayerShuffleException naming the file and the fault, if it is missing ("not an export directory"),
     *                               not a regular file inside the directory, too large, unreadable or invalid
     */
    public static Manifest read(Path exportDir) {
        return read(ExportSource.directory(exportDir));
    }

    /** Reads and parses the manifest of {@code source}. */
    static Manifest read(ExportSource source) {
        return parse(new String(readBytes(source), StandardCharsets.UTF_8),
                "export " + source.describe() + ": " + FILE_NAME);
    }

    /** The bytes of the manifest of {@code source}, at most {@link #MAX_BYTES}. */
    static byte[] readBytes(ExportSource source) {
        return source.read(FILE_NAME, MAX_BYTES, "Manifest.MAX_BYTES");
    }

    /**
     * Parses a manifest's JSON text.
     *
     * @param source names the manifest in error messages, e.g. its path
     * @throws LayerShuffleException naming {@code source} and the missing or malformed field
     */
    public static Manifest parse(String json, String source) {
        try {
            return ManifestJson.parse(json);
        } catch (LayerShuffleException e) {
            throw new LayerShuffleException(source + ": " + e.getMessage(), e);
        }
    }

    /** The JSON form, as {@code docs/FORMATS.md} shows it. */
    public String toJson() {
        return ManifestJson.write(this);
    }

    /**
     * Checks a manifest version: below 1 is unknown, above {@link #FORMAT_VERSION} is newer than this library.
     *
     * @throws LayerShuffleException naming the version and the versions this library reads
     */
    static void checkVersion(int version) {
        if (version < 1) {
            throw new LayerShuffleException("version " + version + " is an unknown version: export manifest "
                    + "versions start at 1; this library reads 1 to " + FORMAT_VERSION);
        }
        if (version > FORMAT_VERSION) {
            throw new LayerShuffleException("version " + version + " is newer than this library reads ("
                    + FORMAT_VERSION + "); upgrade layershuffle or re-export with version " + FORMAT_VERSION);
        }
    }

    /**
     * Refuses an array of more than {@code max} entries, before it is walked.
     *
     * @throws LayerShuffleException naming the field, its size and the limit
     */
    static void checkCount(String field, int size, int max, String limitName) {
        if (size > max) {
            throw new LayerShuffleException("field '" + field + "' has " + size + " entries, more than "
                    + limitName + " (" + max + ")");
        }
    }

    /**
     * A value for a message: quoted, and cut to its first {@value #QUOTE_CHARS} characters, so that a huge bad
     * value cannot make a huge message.
     */
    static String quote(Object value) {
        if (value == null) {
            return "null";
        }
        String s = value.toString();
        return s.length() <= QUOTE_CHARS ? "'" + s + "'"
                : "'" + s.substring(0, QUOTE_CHARS) + "...' (" + s.length() + " characters)";
    }

    /**
     * Checks that {@code file} is a plain file name that stays inside the export directory: not empty, not
     * absolute, no path separator, not {@code .} or {@code ..}.
     *
     * @throws LayerShuffleException naming the file name
     */
    static void checkFileName(String file) {
        if (file == null || file.isBlank()) {
            throw new LayerShuffleException("a graph's 'file' is missing or blank");
        }
        if (file.contains("/") || file.contains("\\") || file.contains(":") || file.equals(".")
                || file.equals("..") || file.indexOf('\0') >= 0 || Path.of(file).isAbsolute()) {
            throw new LayerShuffleException("file name " + quote(file) + " is not a plain file name inside the "
                    + "export directory (no path separators, '..' or absolute paths)");
        }
    }
}
