package io.github.layershuffle.train.eval;

import io.github.layershuffle.api.IncompatibleBlocksException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.ModelIdentity;
import io.github.layershuffle.api.SlotTable;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.stream.Collectors;

/**
 * Builds a merged ("Frankenstein") checkpoint whose slot {@code i} is a block taken from one of several
 * checkpoints of one family; the stem and head come from chosen sources. Works on checkpoints alone (no
 * engine), so a merged model can be saved, evaluated, exported and served like any other.
 *
 * <pre>{@code
 * List<CheckpointMerge.Source> sources = List.of(
 *         CheckpointMerge.Source.read(Path.of("runs/ls-1/best.safetensors")),
 *         CheckpointMerge.Source.read(Path.of("runs/ls-2/best.safetensors")));
 * Checkpoint merged = CheckpointMerge.merge(sources,
 *         List.of(new CheckpointMerge.Slot(0, 0), new CheckpointMerge.Slot(1, 1), new CheckpointMerge.Slot(1, 1)));
 * merged.write(Path.of("merged.safetensors"));
 * }</pre>
 *
 * <p>Slot {@code i} of the merged model is its block {@code i}: it runs in slot {@code i} under
 * {@code sequential()}, and any policy reorders the merged blocks as it would a trained model's.
 *
 * <p>LayerShuffle-position: every merged block keeps the slot table it was trained with, its source's shared
 * {@code encoder.slot_table} or its own {@code blocks.j.pos.embed}, so a merged -position checkpoint is always
 * {@link SlotTable#PER_BLOCK}. That is what a recipe of exports computes too, each exported block graph
 * carrying a copy of its model's table; with one source the merge computes exactly what the source does.
 */
public final class CheckpointMerge {

    private CheckpointMerge() {
    }

    /**
     * A checkpoint that blocks are taken from, with the name messages use for it (usually its file).
     *
     * @param name       how messages refer to this source
     * @param checkpoint the checkpoint
     */
    public record Source(String name, Checkpoint checkpoint) {
        /** Checks both are present. */
        public Source {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(checkpoint, "checkpoint");
        }

        /**
         * Reads the checkpoint file, named by its path.
         *
         * @throws io.github.layershuffle.api.LayerShuffleException naming the file and the fault
         */
        public static Source read(java.nio.file.Path file) {
            return new Source(file.toString(), Checkpoint.read(file));
        }
    }

    /**
     * One slot of the merged model: block {@code block} of source number {@code source}.
     *
     * @param source index into the list of sources
     * @param block  block index in that source
     */
    public record Slot(int source, int block) {
        /**
         * Checks the indices are not negative.
         *
         * @throws IllegalArgumentException if either is negative
         */
        public Slot {
            if (source < 0 || block < 0) {
                throw new IllegalArgumentException("slot source and block must be at least 0, were " + source
                        + " and " + block);
            }
        }
    }

    /**
     * Merges, with the stem and head of source 0.
     *
     * @throws IllegalArgumentException    if there is no source or slot, or a slot names a source or block that
     *                                     does not exist
     * @throws IncompatibleBlocksException naming the slot, the property and both values when a source is of
     *                                     another family, width, token count, variant or (slot-aware
     *                                     variants) depth
     */
    public static Checkpoint merge(List<Source> sources, List<Slot> slots) {
        return merge(sources, slots, 0, 0);
    }

    /**
     * Merges, with the stem of source {@code stemSource} and the head of source {@code headSource}.
     *
     * @throws IllegalArgumentException    as {@link #merge(List, List)}, or if a stem or head source does not
     *                                     exist, or the slot-aware variants get another number of slots than
     *                                     their depth
     * @throws IncompatibleBlocksException as {@link #merge(List, List)}
     */
    public static Checkpoint merge(List<Source> sources, List<Slot> slots, int stemSource, int headSource) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("merging needs at least one source checkpoint");
        }
        if (slots.isEmpty()) {
            throw new IllegalArgumentException("a merged model needs at least one slot");
        }
        Source stem = source(sources, stemSource, "stem");
        Source head = source(sources, headSource, "head");
        ModelIdentity base = stem.checkpoint().identity();
        base.checkCompatible(head.checkpoint().identity(), "head (" + head.name() + ") vs stem (" + stem.name()
                + ")");
        ModelConfig stemConfig = stem.checkpoint().config();
        ModelConfig headConfig = head.checkpoint().config();
        if (stemConfig.variant().usesPosition() || stemConfig.variant().predictsPosition()) {
            if (slots.size() != stemConfig.depth()) {
                throw new IllegalArgumentException("a " + stemConfig.variant() + " model needs exactly "
                        + stemConfig.depth() + " slots (its slot embeddings and predictors are sized by depth), "
                        + "got " + slots.size());
            }
        }
        boolean position = stemConfig.variant().usesPosition();
        ModelConfig config = stemConfig.toBuilder().depth(slots.size()).classes(headConfig.classes())
                .labels(headConfig.labels()).slotTable(position ? SlotTable.PER_BLOCK : stemConfig.slotTable())
                .build();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        copyPrefixed(stem.checkpoint(), "stem.", "stem.", tensors);
        copyPrefixed(head.checkpoint(), "head.", "head.", tensors);
        for (int i = 0; i < slots.size(); i++) {
            Slot slot = slots.get(i);
            Source from = source(sources, slot.source(), "slot " + i);
            int depth = from.checkpoint().config().depth();
            if (slot.block() >= depth) {
                throw new IllegalArgumentException("slot " + i + " asks for block " + slot.block() + " of "
                        + from.name() + ", which has blocks 0 to " + (depth - 1));
            }
            base.checkCompatible(from.checkpoint().identity(), "slot " + i + " (" + from.name() + ", block "
                    + slot.block() + ") vs stem (" + stem.name() + ")");
            copyPrefixed(from.checkpoint(), VitLayout.block(slot.block()), VitLayout.block(i), tensors);
            if (position) {
                String table = VitLayout.block(i) + "pos.embed";
                String source = VitLayout.slotTable(from.checkpoint().config(), slot.block());
                tensors.put(table, from.checkpoint().tensor(source).renamed(table));
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("created", Instant.now().toString());
        metadata.put("merged_stem", stem.name());
        metadata.put("merged_head", head.name());
        metadata.put("merged_slots", describe(sources, slots));
        return new Checkpoint(config, stem.checkpoint().family(), metadata, tensors);
    }

    /**
     * The paper's random merge: slot {@code i} takes block {@code i} of a source drawn so that no two slots
     * share a source while there are sources left (with fewer sources than slots, each source is used
     * {@code depth / sources} or one more times).
     *
     * @throws IllegalArgumentException if {@code sourceCount < 1} or {@code depth < 1}
     */
    public static List<Slot> randomSlots(int sourceCount, int depth, RandomGenerator random) {
        if (sourceCount < 1 || depth < 1) {
            throw new IllegalArgumentException("sourceCount and depth must be at least 1, were " + sourceCount
                    + " and " + depth);
        }
        List<Slot> slots = new ArrayList<>(depth);
        int[] pool = new int[0];
        int used = 0;
        for (int i = 0; i < depth; i++) {
            if (used == pool.length) {
                pool = shuffled(sourceCount, random);
                used = 0;
            }
            slots.add(new Slot(pool[used++], i));
        }
        return slots;
    }

    private static int[] shuffled(int n, RandomGenerator random) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private static Source source(List<Source> sources, int index, String what) {
        if (index < 0 || index >= sources.size()) {
            throw new IllegalArgumentException(what + " asks for source " + index + ", but there are "
                    + sources.size() + " sources (0 to " + (sources.size() - 1) + ")");
        }
        return sources.get(index);
    }

    private static void copyPrefixed(Checkpoint from, String prefix, String newPrefix, Map<String, Tensor> into) {
        for (Map.Entry<String, Tensor> e : from.tensors().entrySet()) {
            if (e.getKey().startsWith(prefix)) {
                String name = newPrefix + e.getKey().substring(prefix.length());
                into.put(name, e.getValue().renamed(name));
            }
        }
    }

    private static String describe(List<Source> sources, List<Slot> slots) {
        return slots.stream().map(s -> sources.get(s.source()).name() + ":" + s.block())
                .collect(Collectors.joining(" "));
    }
}
