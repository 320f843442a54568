package io.github.layershuffle.onnx.runtime;

import io.github.layershuffle.api.IncompatibleBlocksException;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.ModelIdentity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Builds a {@link LayerShuffleModel} from the stem, blocks and head of several exports of one family (a merged,
 * "Frankenstein" model), slot by slot: any order, repeats allowed. Made by {@link LayerShuffleModel#compose()}.
 *
 * <pre>{@code
 * Path a = Path.of("exports/a"), b = Path.of("exports/b");
 * try (LayerShuffleModel merged = LayerShuffleModel.compose()
 *         .stem(a).slot(a, 0).slot(b, 1).slot(b, 1).head(b)
 *         .build()) {
 *     Prediction p = merged.predict(images);
 * }
 * }</pre>
 *
 * <p>An export named by path is loaded once by {@link #build()}, however many slots use it, and its sessions are
 * shared by them. An export taken from an open {@link LayerShuffleModel} shares that model's sessions; they stay
 * open until both models are closed.
 */
public final class Composer {
    private Source stem;
    private Source head;
    private final List<Source> slots = new ArrayList<>();
    private RuntimeOptions options = RuntimeOptions.defaults();

    Composer() {
    }

    /** Where a part comes from: an export directory or a slot/stem/head of a loaded model. */
    private record Source(Path path, String label, LayerShuffleModel model, int block) {
    }

    /** Takes the stem from the export directory {@code export}. */
    public Composer stem(Path export) {
        stem = new Source(Objects.requireNonNull(export, "export"), export.toString(), null, -1);
        return this;
    }

    /** Takes the stem of {@code model}. */
    public Composer stem(LayerShuffleModel model) {
        stem = new Source(null, null, Objects.requireNonNull(model, "model"), -1);
        return this;
    }

    /** Takes the head from the export directory {@code export}. */
    public Composer head(Path export) {
        head = new Source(Objects.requireNonNull(export, "export"), export.toString(), null, -1);
        return this;
    }

    /** Takes the head of {@code model}. */
    public Composer head(LayerShuffleModel model) {
        head = new Source(null, null, Objects.requireNonNull(model, "model"), -1);
        return this;
    }

    /**
     * Adds block {@code block} of the export directory {@code export} as the next slot.
     *
     * @throws IllegalArgumentException if {@code block < 0}; an index past the export's last block is reported
     *                                  by {@link #build()}
     */
    public Composer slot(Path export, int block) {
        Objects.requireNonNull(export, "export");
        Recipe.checkBlockIndex(block);
        slots.add(new Source(export, export.toString(), null, block));
        return this;
    }

    /**
     * Adds the block in slot {@code block} of {@code model} as the next slot.
     *
     * @throws IndexOutOfBoundsException if {@code block} is not in {@code [0, model.size())}
     */
    public Composer slot(LayerShuffleModel model, int block) {
        Objects.requireNonNull(model, "model");
        Objects.checkIndex(block, model.size());
        slots.add(new Source(null, null, model, block));
        return this;
    }

    /**
     * The options for the exports this composer loads and for the model it builds (default
     * {@link RuntimeOptions#defaults()}); exports taken from a loaded model keep the sessions that model opened.
     * With {@link RuntimeOptions.Builder#requireSignature}, every export is checked: those named by path when
     * loaded, those taken from a loaded model by the key that model verified them under.
     */
    public Composer options(RuntimeOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        return this;
    }

    /**
     * Loads each export named by path once, checks every part against the stem, and builds the model.
     *
     * @throws IllegalStateException       if the stem, the head or every slot is missing, or a source model is
     *                                     closed
     * @throws LayerShuffleException       as {@link LayerShuffleModel#load(Path)}, or if a block index is past
     *                                     the last block of its export, or the options require a signature and
     *                                     an export taken from a loaded model was not verified under one of their
     *                                     keys
     * @throws IncompatibleBlocksException naming the slot, the property and both values when a part's family,
     *                                     width, token count, variant or (for -position/-predict) depth differs
     */
    public LayerShuffleModel build() {
        if (stem == null || head == null || slots.isEmpty()) {
            throw new IllegalStateException("a composition needs a stem, a head and at least one slot; missing: "
                    + (stem == null ? "stem " : "") + (head == null ? "head " : "")
                    + (slots.isEmpty() ? "slots" : ""));
        }
        Map<Object, LoadedExport> byKey = new LinkedHashMap<>();
        Set<LoadedExport> owned = new LinkedHashSet<>();
        try {
            // exports of source models first, so that a path naming the same directory shares their sessions
            for (Source s : sources()) {
                if (s.model != null) {
                    resolve(s, byKey, owned, s == stem ? Part.STEM : s == head ? Part.HEAD : Part.SLOT);
                }
            }
            LoadedExport stemExport = resolve(stem, byKey, owned, Part.STEM);
            LoadedExport headExport = resolve(head, byKey, owned, Part.HEAD);
            List<LoadedExport> slotExports = new ArrayList<>();
            List<Integer> indices = new ArrayList<>();
            for (Source s : slots) {
                LoadedExport e = resolve(s, byKey, owned, Part.SLOT);
                int index = s.model != null ? s.model.slot(s.block).index() : s.block;
                if (index >= e.blockCount()) {
                    throw new LayerShuffleException("slot " + slotExports.size() + ": block " + index
                            + " is out of range [0, " + e.blockCount() + ") of export " + e.label());
                }
                slotExports.add(e);
                indices.add(index);
            }
            check(stemExport, headExport, slotExports, indices);
            return new LayerShuffleModel(stemExport, slotExports, indices, headExport, owned, options);
        } catch (RuntimeException | Error e) {
            owned.forEach(LoadedExport::release);
            throw e;
        }
    }

    private enum Part { STEM, HEAD, SLOT }

    private List<Source> sources() {
        List<Source> all = new ArrayList<>(slots);
        all.add(stem);
        all.add(head);
        return all;
    }

    private LoadedExport resolve(Source s, Map<Object, LoadedExport> byKey, Set<LoadedExport> owned, Part part) {
        if (s.model != null) {
            if (s.model.isClosed()) {
                throw new IllegalStateException("cannot compose from a closed LayerShuffleModel: " + s.model);
            }
            LoadedExport e = switch (part) {
                case STEM -> s.model.stemExport();
                case HEAD -> s.model.headExport();
                case SLOT -> s.model.slot(s.block).export();
            };
            ExportSignatures.checkLoaded(e.label(), e.signer(), options);
            if (!owned.contains(e)) {
                e.acquire(); // fails if the source model was closed meanwhile and nothing else holds the export
                owned.add(e);
                byKey.putIfAbsent(e.key(), e);
            }
            return e;
        }
        ExportSource source = ExportSource.directory(s.path);
        LoadedExport e = byKey.get(source.key());
        if (e == null) {
            e = LoadedExport.open(source, s.label, options);
            owned.add(e);
            byKey.put(source.key(), e);
        }
        return e;
    }

    private static void check(LoadedExport stem, LoadedExport head, List<LoadedExport> slots, List<Integer> indices) {
        ModelIdentity base = stem.identity();
        String baseName = "stem (export " + stem.label() + ")";
        for (int s = 0; s < slots.size(); s++) {
            base.checkCompatible(slots.get(s).identity(), "slot " + s + " (export " + slots.get(s).label()
                    + ", block " + indices.get(s) + ") vs " + baseName);
        }
        base.checkCompatible(head.identity(), "head (export " + head.label() + ") vs " + baseName);
        ModelConfig c = stem.config();
        if (c.variant().usesPosition() && slots.size() > c.depth()) {
            throw new IncompatibleBlocksException("the composition has " + slots.size() + " slots but the "
                    + c.variant() + " variant embeds only " + c.depth() + " slots (depth " + c.depth()
                    + "); use at most " + c.depth() + " slots");
        }
    }
}
