package io.github.layershuffle.train.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.eval.CheckpointMerge;
import io.github.layershuffle.train.eval.Evaluator;
import io.github.layershuffle.train.eval.Summary;
import io.github.layershuffle.train.model.VisionTransformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code layershuffle evaluate}: accuracy of checkpoints, merges and ensembles under execution policies. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure top-1/top-5 accuracy and loss of checkpoints under execution policies: in "
                + "order, in a fresh random order per batch (mean ± std over seeds), pruned to k blocks, or a "
                + "fixed plan. LayerShuffle-predict models also report how often each block predicts the slot it "
                + "ran in."},
        footerHeading = "%nExamples:%n",
        footer = {"  layershuffle evaluate runs/ls/best.safetensors --policy sequential,random \\",
            "      --keep 3,6,9",
            "  layershuffle evaluate --merge a.safetensors:0-5 --merge b.safetensors:6-11",
            "  layershuffle evaluate --ensemble a.safetensors b.safetensors c.safetensors",
            "  layershuffle evaluate --random-merges 20 runs/ls-*/best.safetensors"})
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "CHECKPOINT", arity = "0..*",
            description = "Checkpoints (.safetensors) to evaluate, each on its own.")
    List<Path> checkpoints = new ArrayList<>();

    @Option(names = "--ensemble", description = "Evaluate the logit average of the CHECKPOINTs instead, each "
            + "member running its own plan.")
    boolean ensemble;

    @Option(names = "--merge", paramLabel = "FILE:BLOCKS", description = "A merged model's next slots: FILE:3, "
            + "FILE:0-5 or FILE:0,2,4 (repeatable; checkpoints of one family).")
    List<String> merge = new ArrayList<>();

    @Option(names = "--stem", paramLabel = "FILE", description = "With --merge: the checkpoint whose stem to use "
            + "(default: the first slot's).")
    Path stem;

    @Option(names = "--head", paramLabel = "FILE", description = "With --merge: the checkpoint whose head to use "
            + "(default: the stem's).")
    Path head;

    @Option(names = "--random-merges", paramLabel = "N", description = "Evaluate N random merges of the "
            + "CHECKPOINTs (slot i takes block i of a different checkpoint), mean ± std.")
    Integer randomMerges;

    @Option(names = "--policy", paramLabel = "POLICY", split = ",(?=[a-z])",
            description = "sequential, random, reversed or fixed:3,0,2 (repeatable; default: sequential and "
                    + "random).")
    List<String> policies = new ArrayList<>();

    @Option(names = "--keep", paramLabel = "K", split = ",",
            description = "Run only K blocks of each policy's plan (repeatable, e.g. --keep 3,6,9).")
    List<Integer> keep = new ArrayList<>();

    @Option(names = "--seeds", paramLabel = "N", defaultValue = "5",
            description = "Seeds per random policy, reported as mean ± std (default: ${DEFAULT-VALUE}).")
    int seeds;

    @Option(names = "--seed", defaultValue = "0", description = "The first seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST IDX directory or image-folder "
            + "tree (default: ${DEFAULT-VALUE}).")
    Path data = FashionMnist.DEFAULT_DIRECTORY;

    @Option(names = "--split", defaultValue = "test", description = "test, validation or train (default: "
            + "${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate on N images only (a seeded sample).")
    Integer limit;

    @Option(names = "--batch-size", defaultValue = "256", description = "Images per forward pass (default: "
            + "${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON.")
    Path json;

    @Option(names = {"-q", "--quiet"}, description = "No progress bars.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        validate();
        List<PolicySpec> specs = policySpecs();
        List<Summary> results = new ArrayList<>();
        try (ProgressBars bars = new ProgressBars(!quiet); NDManager manager = NDManager.newBaseManager()) {
            List<Named> models = models(manager);
            ModelConfig config = models.isEmpty() ? null : models.get(0).model.config();
            if (config == null) {
                config = Checkpoint.read(checkpoints.get(0)).config();
            }
            Evaluator evaluator = Evaluator.builder(dataset(config)).optBatchSize(batchSize)
                    .optListener(bars.evaluationListener()).build();
            for (PolicySpec p : specs) {
                List<Long> seedList = LongStream.range(seed, seed + (p.random() ? seeds : 1)).boxed().toList();
                if (randomMerges != null) {
                    List<CheckpointMerge.Source> sources = checkpoints.stream().map(CheckpointMerge.Source::read)
                            .toList();
                    results.add(evaluator.randomMerges(sources, randomMerges, p.policy(), seed,
                            manager.getDevice()));
                } else if (ensemble) {
                    results.add(evaluator.ensemble("ensemble of " + models.size(),
                            models.stream().map(n -> n.model).toList(), p.policy(), seedList));
                } else {
                    for (Named n : models) {
                        results.add(evaluator.evaluate(n.name, n.model, p.policy(), seedList));
                    }
                }
            }
        }
        print(results);
        if (json != null) {
            ArrayNode array = new ObjectMapper().createArrayNode();
            results.forEach(r -> array.add(r.toJson()));
            Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(array));
        }
        return 0;
    }

    private void validate() {
        boolean merging = !merge.isEmpty();
        if (merging && (ensemble || randomMerges != null || !checkpoints.isEmpty())) {
            throw new IllegalArgumentException("--merge builds one model from its slots; give no CHECKPOINT, "
                    + "--ensemble or --random-merges with it");
        }
        if (!merging && checkpoints.isEmpty()) {
            throw new IllegalArgumentException("give at least one CHECKPOINT, or --merge FILE:BLOCKS");
        }
        if (ensemble && randomMerges != null) {
            throw new IllegalArgumentException("choose one of --ensemble and --random-merges");
        }
        if (randomMerges != null && randomMerges < 1) {
            throw new IllegalArgumentException("--random-merges must be at least 1, was " + randomMerges);
        }
        if (seeds < 1) {
            throw new IllegalArgumentException("--seeds must be at least 1, was " + seeds);
        }
        if ((stem != null || head != null) && !merging) {
            throw new IllegalArgumentException("--stem and --head only apply with --merge");
        }
    }

    private record Named(String name, VisionTransformer model) {
    }

    private List<Named> models(NDManager manager) {
        List<Named> list = new ArrayList<>();
        if (!merge.isEmpty()) {
            Checkpoint merged = MergeCommand.merge(merge.stream().map(SlotSpec::parse).toList(), stem, head);
            list.add(new Named("merged " + merged.metadata().get("merged_slots"),
                    ModelCheckpoints.newModel(merged, manager)));
        } else if (randomMerges == null) {
            for (Path p : checkpoints) {
                list.add(new Named(p.toString(), ModelCheckpoints.load(p, manager)));
            }
        }
        return list;
    }

    private ImageDataset dataset(ModelConfig config) {
        DatasetSplits splits = DataSource.load(data, config.imageSize(), config.channels(), 0);
        ImageDataset d = switch (split.toLowerCase(Locale.ROOT)) {
            case "test" -> splits.test();
            case "validation", "val" -> splits.validation();
            case "train" -> splits.train();
            default -> throw new IllegalArgumentException("unknown --split '" + split
                    + "', expected one of test, validation, train");
        };
        return limit == null ? d : d.sample(limit, seed);
    }

    private List<PolicySpec> policySpecs() {
        List<String> names = policies.isEmpty() ? List.of("sequential", "random") : policies;
        List<PolicySpec> specs = new ArrayList<>();
        for (String n : names) {
            PolicySpec p = PolicySpec.parse(n);
            if (keep.isEmpty()) {
                specs.add(p);
            } else {
                keep.forEach(k -> specs.add(p.keep(k)));
            }
        }
        return specs;
    }

    private void print(List<Summary> results) {
        boolean positions = results.stream().anyMatch(r -> r.positionAccuracy().isPresent());
        String topK = "top-" + results.get(0).k();
        Table table = positions
                ? new Table("evaluation", "model", "policy", "blocks", "runs", "images", "top-1", topK, "loss",
                        "slot accuracy")
                : new Table("evaluation", "model", "policy", "blocks", "runs", "images", "top-1", topK, "loss");
        for (Summary r : results) {
            List<Object> row = new ArrayList<>(List.of(r.first().model(), r.first().policy(),
                    r.first().firstPlan().size(), r.runs().size(), r.first().images(), r.top1().percent(),
                    r.topK().percent(), r.loss().plain()));
            if (positions) {
                row.add(r.positionAccuracy().map(s -> s.percent()).orElse("-"));
            }
            table.row(row.toArray());
        }
        table.print(spec.commandLine().getOut());
    }
}
