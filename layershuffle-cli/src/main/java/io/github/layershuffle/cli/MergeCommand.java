package io.github.layershuffle.cli;

import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.eval.CheckpointMerge;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code layershuffle merge}: writes a merged ("Frankenstein") checkpoint from blocks of several checkpoints. */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = {"Write a merged (\"Frankenstein\") checkpoint whose slots hold blocks of several "
                + "checkpoints of one family (models fine-tuned from one base).",
            "Slots are filled in the order given; any order, repeats allowed."},
        footerHeading = "%nExample:%n",
        footer = {"  layershuffle merge --slot a.safetensors:0-5 --slot b.safetensors:6-11 \\",
            "      --out merged.safetensors"})
final class MergeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--slot", required = true, paramLabel = "FILE:BLOCKS",
            description = "Blocks of a checkpoint for the next slots: FILE:3, FILE:0-5 or FILE:0,2,4. Repeatable.")
    List<String> slots;

    @Option(names = "--stem", paramLabel = "FILE",
            description = "The checkpoint whose stem (patch and position embedding) to use; default: the first "
                    + "slot's.")
    Path stem;

    @Option(names = "--head", paramLabel = "FILE",
            description = "The checkpoint whose head (classifier) to use; default: the stem's.")
    Path head;

    @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE",
            description = "The merged checkpoint to write (atomically).")
    Path out;

    @Override
    public Integer call() {
        Checkpoint merged = merge(slots.stream().map(SlotSpec::parse).toList(), stem, head);
        merged.write(out);
        Table table = new Table("merged checkpoint " + out, "slot", "checkpoint", "block");
        List<String> origins = List.of(merged.metadata().get("merged_slots").split(" "));
        for (int i = 0; i < origins.size(); i++) {
            String origin = origins.get(i);
            int colon = origin.lastIndexOf(':');
            table.row(i, origin.substring(0, colon), origin.substring(colon + 1));
        }
        table.print(spec.commandLine().getOut());
        spec.commandLine().getOut().println("stem from " + merged.metadata().get("merged_stem") + ", head from "
                + merged.metadata().get("merged_head") + ", family " + merged.family());
        return 0;
    }

    /**
     * The merged checkpoint of these slot specs; each file is read once.
     *
     * @throws IllegalArgumentException or {@link io.github.layershuffle.api.LayerShuffleException} naming the
     *                                  file, slot or property at fault
     */
    static Checkpoint merge(List<SlotSpec> specs, Path stem, Path head) {
        Map<Path, Integer> index = new LinkedHashMap<>();
        List<CheckpointMerge.Source> sources = new ArrayList<>();
        List<CheckpointMerge.Slot> slots = new ArrayList<>();
        for (SlotSpec spec : specs) {
            int source = sourceIndex(spec.file(), index, sources);
            for (int block : spec.blocks()) {
                slots.add(new CheckpointMerge.Slot(source, block));
            }
        }
        int stemSource = stem == null ? 0 : sourceIndex(stem, index, sources);
        int headSource = head == null ? stemSource : sourceIndex(head, index, sources);
        return CheckpointMerge.merge(sources, slots, stemSource, headSource);
    }

    private static int sourceIndex(Path file, Map<Path, Integer> index, List<CheckpointMerge.Source> sources) {
        Path key = file.toAbsolutePath().normalize();
        Integer at = index.get(key);
        if (at == null) {
            at = sources.size();
            sources.add(CheckpointMerge.Source.read(file));
            index.put(key, at);
        }
        return at;
    }
}
