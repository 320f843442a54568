package io.github.layershuffle.onnx.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.github.layershuffle.api.checkpoint.AtomicFiles;
import io.github.layershuffle.api.IncompatibleBlocksException;
import io.github.layershuffle.api.LayerShuffleException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;

/**
 * A recipe ({@code layershuffle-recipe}, version 1; see {@code docs/FORMATS.md}): which export provides the stem
 * and the head, and which export and block fill each slot of a merged model; any order, repeats allowed. A
 * recipe file is JSON, or YAML when its name ends in {@code .yaml} or {@code .yml}; both hold the same fields.
 *
 * <pre>{@code
 * Recipe recipe = Recipe.read(Path.of("merged.yaml"));
 * try (LayerShuffleModel merged = recipe.compose(RuntimeOptions.defaults())) { ... }
 * }</pre>
 *
 * @param stem  the export directory that provides the stem
 * @param head  the export directory that provides the head
 * @param slots one entry per slot, in slot order
 */
public record Recipe(Path stem, Path head, List<Slot> slots) {

    /** The {@code format} value of a recipe. */
    public static final String FORMAT = "layershuffle-recipe";
    /** The newest recipe version this library reads and writes. */
    public static final int FORMAT_VERSION = 1;
    /** The most bytes of a recipe file read, JSON or YAML: 1 MiB. */
    public static final int MAX_BYTES = 1 << 20;
    /**
     * The most entries of {@code slots}. Above {@link io.github.layershuffle.api.ModelConfig#MAX_DEPTH} on purpose:
     * a recipe may use a block more than once, so a composition can be deeper than any model it takes blocks from.
     */
    public static final int MAX_SLOTS = 4096;

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException if there is no slot
     */
    public Recipe {
        Objects.requireNonNull(stem, "stem");
        Objects.requireNonNull(head, "head");
        slots = List.copyOf(Objects.requireNonNull(slots, "slots"));
        if (slots.isEmpty()) {
            throw new IllegalArgumentException("a recipe needs at least one slot");
        }
    }

    /**
     * One slot: block {@code block} of the export directory {@code export}.
     *
     * @param export the export directory
     * @param block  the block index inside that export
     */
    public record Slot(Path export, int block) {

        /**
         * Checks the fields.
         *
         * @throws IllegalArgumentException if {@code block < 0}
         */
        public Slot {
            Objects.requireNonNull(export, "export");
            checkBlockIndex(block);
        }
    }

    static void checkBlockIndex(int block) {
        if (block < 0) {
            throw new IllegalArgumentException("block index must be >= 0, was " + block);
        }
    }

    /** Whether {@code file} is read and written as YAML: its name ends in {@code .yaml} or {@code .yml}. */
    static boolean isYaml(Path file) {
        Path name = file.getFileName();
        String n = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".yaml") || n.endsWith(".yml");
    }

    /**
     * Reads a recipe file, JSON or (by its name, see the class comment) YAML; export paths in it are taken relative
     * to the file's directory. The file is untrusted: it must be a regular file of at most {@link #MAX_BYTES}, with
     * at most {@link #MAX_SLOTS} slots, and YAML anchors and aliases are refused.
     *
     * @throws LayerShuffleException naming the file and the missing or malformed field, the limit it breaks, a
     *                               YAML anchor or alias, or a version this library does not read
     */
    public static Recipe read(Path file) {
        Path real;
        try {
            real = file.toRealPath(); // a recipe may be a link; what it names must be a regular file
        } catch (IOException e) {
            throw new LayerShuffleException("cannot read recipe " + file + ": " + e, e);
        }
        String text = new String(ExportSource.readRegular(real, file.toString(), "recipe ", MAX_BYTES,
                "Recipe.MAX_BYTES"), StandardCharsets.UTF_8);
        Path dir = file.getParent() == null ? Path.of("") : file.getParent();
        boolean yaml = isYaml(file);
        try {
            JsonNode root;
            try {
                if (yaml) {
                    refuseAnchorsAndAliases(text);
                }
                root = (yaml ? YAML : Manifest.JSON).readTree(text);
            } catch (JsonProcessingException e) {
                String where = e.getLocation() == null ? ""
                        : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
                throw new LayerShuffleException("not valid " + (yaml ? "YAML" : "JSON") + where + ": "
                        + e.getOriginalMessage(), e);
            }
            if (root == null || !root.isObject()) {
                throw new LayerShuffleException(yaml ? "must be a YAML mapping of the recipe's fields"
                        : "must be a JSON object");
            }
            String format = string(root, "format");
            if (!FORMAT.equals(format)) {
                throw new LayerShuffleException("format is " + Manifest.quote(format) + ", expected '" + FORMAT
                        + "'");
            }
            JsonNode version = root.get("version");
            if (version == null || !version.isInt()) {
                throw new LayerShuffleException("field 'version' is missing or not an integer");
            }
            if (version.asInt() < 1) {
                throw new LayerShuffleException("version " + version.asInt() + " is an unknown version: recipe "
                        + "versions start at 1; this library reads 1 to " + FORMAT_VERSION);
            }
            if (version.asInt() > FORMAT_VERSION) {
                throw new LayerShuffleException("version " + version.asInt() + " is newer than this library reads ("
                        + FORMAT_VERSION + ")");
            }
            JsonNode slotsNode = root.get("slots");
            if (slotsNode == null || !slotsNode.isArray() || slotsNode.isEmpty()) {
                throw new LayerShuffleException("field 'slots' is missing or not a non-empty array");
            }
            Manifest.checkCount("slots", slotsNode.size(), MAX_SLOTS, "Recipe.MAX_SLOTS");
            List<Slot> slots = new ArrayList<>();
            for (int i = 0; i < slotsNode.size(); i++) {
                JsonNode s = slotsNode.get(i);
                String where = "slots[" + i + "]";
                if (!s.isObject()) {
                    throw new LayerShuffleException("field '" + where + "' must be an object {export, block}");
                }
                JsonNode block = s.get("block");
                if (block == null || !block.isInt() || block.asInt() < 0) {
                    throw new LayerShuffleException("field '" + where + ".block' must be an integer >= 0, was "
                            + Manifest.quote(block));
                }
                slots.add(new Slot(resolve(dir, string(s, "export", where)), block.asInt()));
            }
            return new Recipe(resolve(dir, string(root, "stem")), resolve(dir, string(root, "head")), slots);
        } catch (LayerShuffleException e) {
            throw new LayerShuffleException("recipe " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Refuses YAML anchors ({@code &name}) and aliases ({@code *name}): a recipe needs neither, and aliases let a
     * small file expand into a large tree. Jackson does not report an anchor on a scalar, so SnakeYAML's events
     * (the parser under Jackson's) are read; a syntax error is left for Jackson to report.
     *
     * @throws LayerShuffleException naming the anchor or alias and where it is
     */
    private static void refuseAnchorsAndAliases(String text) {
        try {
            for (Event e : new Yaml().parse(new StringReader(text))) {
                if (e instanceof NodeEvent n && n.getAnchor() != null) {
                    boolean alias = e instanceof AliasEvent;
                    throw new LayerShuffleException("YAML " + (alias ? "alias *" : "anchor &")
                            + Manifest.quote(n.getAnchor()) + " at line " + (e.getStartMark().getLine() + 1)
                            + ", column " + (e.getStartMark().getColumn() + 1)
                            + " is not allowed: a recipe uses no anchors or aliases");
                }
            }
        } catch (YAMLException e) {
            // not valid YAML: Jackson's message names the fault and its place
        }
    }

    private static Path resolve(Path dir, String path) {
        return dir.resolve(path).normalize();
    }

    /**
     * Writes this recipe to {@code file}, as YAML if its name ends in {@code .yaml} or {@code .yml} and as JSON
     * otherwise, with export paths relative to the file's directory where possible. The file is replaced
     * atomically: a failed write leaves the old one.
     *
     * @throws LayerShuffleException if the file cannot be written
     */
    public void write(Path file) {
        Path dir = file.toAbsolutePath().getParent();
        ObjectNode root = Manifest.JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", FORMAT_VERSION);
        root.put("stem", relative(dir, stem));
        root.put("head", relative(dir, head));
        ArrayNode a = root.putArray("slots");
        for (Slot s : slots) {
            a.addObject().put("export", relative(dir, s.export())).put("block", s.block());
        }
        try {
            String text = isYaml(file) ? YAML.writeValueAsString(root)
                    : Manifest.JSON.writeValueAsString(root) + "\n";
            AtomicFiles.writeString(file, text);
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write recipe " + file + ": " + e, e);
        }
    }

    private static String relative(Path dir, Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            return dir.relativize(abs).toString().replace('\\', '/');
        } catch (IllegalArgumentException e) {
            return abs.toString();
        }
    }

    /**
     * Loads the exports this recipe names, each once, and composes them.
     *
     * @throws LayerShuffleException       as {@link Composer#build()}
     * @throws IncompatibleBlocksException naming the slot, the property and both values
     */
    public LayerShuffleModel compose(RuntimeOptions options) {
        Composer c = LayerShuffleModel.compose().options(options).stem(stem).head(head);
        slots.forEach(s -> c.slot(s.export(), s.block()));
        return c.build();
    }

    private static String string(JsonNode node, String field) {
        return string(node, field, null);
    }

    private static String string(JsonNode node, String field, String parent) {
        String name = parent == null ? field : parent + "." + field;
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new LayerShuffleException("field '" + name + "' is missing or not a non-empty string");
        }
        return v.asText();
    }
}
