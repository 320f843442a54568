package io.github.layershuffle.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import io.github.layershuffle.onnx.signing.ExportKeys;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.FashionMnist;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.train.eval.CheckpointMerge;
import io.github.layershuffle.train.eval.Evaluator;
import io.github.layershuffle.train.eval.Stat;
import io.github.layershuffle.train.eval.Summary;
import io.github.layershuffle.cli.eval.OrtEvaluation;
import io.github.layershuffle.train.model.VisionTransformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.Callable;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code layershuffle evaluate}: accuracy of checkpoints, merges and ensembles under execution policies, and of
 * exports and recipes as ONNX Runtime runs them.
 */
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
            "  layershuffle evaluate --random-merges 20 runs/ls-*/best.safetensors",
            "  layershuffle evaluate --onnx exports/ls --onnx merged.yaml --policy random --keep 6"})
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

    @Option(names = "--onnx", paramLabel = "EXPORT|RECIPE", description = "An export directory, or a recipe "
            + "file (.json, .yaml, .yml) composing blocks of several exports, to evaluate on ONNX Runtime as the "
            + "library runs it, one session per block (repeatable; with or without CHECKPOINTs).")
    List<Path> onnx = new ArrayList<>();

    @Option(names = "--random-merges", paramLabel = "N", description = "Evaluate N random merges of the "
            + "CHECKPOINTs (slot i takes block i of a different checkpoint), mean ± std.")
    Integer randomMerges;

    @Option(names = "--policy", paramLabel = "POLICY", split = ",(?=[a-z])", splitSynopsisLabel = ",",
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

    @Option(names = "--require-signature", paramLabel = "PUBLIC.pem", description = "With --onnx: load only "
            + "exports signed by one of these Ed25519 public keys (repeatable; a recipe's every export).")
    List<Path> signatureKeys = new ArrayList<>();

    @Override
    public Integer call() throws IOException {
        validate();
        List<PolicySpec> specs = policySpecs();
        List<Summary> results = new ArrayList<>();
        List<OrtSummary> ortResults = new ArrayList<>();
        try (ProgressBars bars = new ProgressBars(!quiet); NDManager manager = NDManager.newBaseManager()) {
            if (!checkpoints.isEmpty() || !merge.isEmpty()) {
                List<Named> models = models(manager);
                ModelConfig config = models.isEmpty() ? Checkpoint.read(checkpoints.get(0)).config()
                        : models.get(0).model.config();
                Evaluator evaluator = Evaluator.builder(dataset(config)).optBatchSize(batchSize)
                        .optListener(bars.evaluationListener()).build();
                for (PolicySpec p : specs) {
                    List<Long> seedList = seeds(p);
                    if (randomMerges != null) {
                        List<CheckpointMerge.Source> sources = checkpoints.stream()
                                .map(CheckpointMerge.Source::read).toList();
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
            for (Path source : onnx) {
                try (LayerShuffleModel model = openOnnx(source, ortOptions())) {
                    ImageDataset d = dataset(model.config());
                    for (PolicySpec p : specs) {
                        List<OrtEvaluation> runs = new ArrayList<>();
                        for (long s : seeds(p)) {
                            runs.add(OrtEvaluation.evaluate(model, d, p.policy(), s, batchSize,
                                    bars.evaluationListener()));
                        }
                        ortResults.add(OrtSummary.of(source.toString(), p.policy().toString(),
                                p.policy().seeded(seed).planForPass(model.size(), 0).size(), runs));
                    }
                }
            }
        }
        if (!results.isEmpty()) {
            print(results);
        }
        if (!ortResults.isEmpty()) {
            printOrt(ortResults);
        }
        if (json != null) {
            ArrayNode array = new ObjectMapper().createArrayNode();
            results.forEach(r -> array.add(r.toJson()));
            ortResults.forEach(r -> array.add(r.toJson()));
            Files.writeString(json, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(array));
        }
        return 0;
    }

    private List<Long> seeds(PolicySpec p) {
        return LongStream.range(seed, seed + (p.random() ? seeds : 1)).boxed().toList();
    }

    /** The defaults, and the trusted keys of --require-signature. */
    private RuntimeOptions ortOptions() {
        RuntimeOptions.Builder b = RuntimeOptions.builder();
        if (!signatureKeys.isEmpty()) {
            b.requireSignature(signatureKeys.stream().map(ExportKeys::readPublicKey).toArray(PublicKey[]::new));
        }
        return b.build();
    }

    /** An export directory, or a recipe file, as a model on ONNX Runtime. */
    private static LayerShuffleModel openOnnx(Path source, RuntimeOptions options) {
        if (Files.isDirectory(source)) {
            return LayerShuffleModel.load(source, options);
        }
        if (Files.isRegularFile(source)) {
            return LayerShuffleModel.compose(source, options);
        }
        throw new IllegalArgumentException("--onnx " + source + ": no such export directory or recipe file");
    }

    /**
     * One ONNX Runtime model under one policy, over its seeds.
     *
     * @param top1             over the runs
     * @param positionAccuracy over the runs, for LayerShuffle-predict models
     */
    private record OrtSummary(String model, String policy, int blocks, List<OrtEvaluation> runs, Stat top1,
                              Optional<Stat> positionAccuracy) {

        static OrtSummary of(String model, String policy, int blocks, List<OrtEvaluation> runs) {
            Stat top1 = Stat.of(runs.stream().map(OrtEvaluation::top1).toList());
            Optional<Stat> slots = runs.get(0).positionAccuracy().isEmpty() ? Optional.empty()
                    : Optional.of(Stat.of(runs.stream().map(r -> r.positionAccuracy().orElseThrow()).toList()));
            return new OrtSummary(model, policy, blocks, List.copyOf(runs), top1, slots);
        }

        ObjectNode toJson() {
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("model", model);
            n.put("runtime", "onnxruntime");
            n.put("policy", policy);
            n.put("blocks", blocks);
            n.set("top1", top1.toJson());
            positionAccuracy.ifPresent(s -> n.set("positionAccuracy", s.toJson()));
            ArrayNode list = n.putArray("runs");
            for (OrtEvaluation r : runs) {
                ObjectNode o = list.addObject();
                o.put("top1", r.top1());
                OptionalDouble slots = r.positionAccuracy();
                if (slots.isPresent()) {
                    o.put("positionAccuracy", slots.getAsDouble());
                }
                o.put("images", r.images());
                o.put("seconds", r.seconds());
            }
            return n;
        }
    }

    private void validate() {
        boolean merging = !merge.isEmpty();
        if (merging && (ensemble || randomMerges != null || !checkpoints.isEmpty())) {
            throw new IllegalArgumentException("--merge builds one model from its slots; give no CHECKPOINT, "
                    + "--ensemble or --random-merges with it");
        }
        if (!merging && checkpoints.isEmpty() && onnx.isEmpty()) {
            throw new IllegalArgumentException("give at least one CHECKPOINT, --merge FILE:BLOCKS or --onnx "
                    + "EXPORT|RECIPE");
        }
        if ((ensemble || randomMerges != null) && checkpoints.isEmpty()) {
            throw new IllegalArgumentException("--ensemble and --random-merges need CHECKPOINTs");
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

    private void printOrt(List<OrtSummary> results) {
        boolean positions = results.stream().anyMatch(r -> r.positionAccuracy().isPresent());
        Table table = positions
                ? new Table("evaluation on ONNX Runtime", "model", "policy", "blocks", "runs", "images", "top-1",
                        "slot accuracy")
                : new Table("evaluation on ONNX Runtime", "model", "policy", "blocks", "runs", "images", "top-1");
        for (OrtSummary r : results) {
            List<Object> row = new ArrayList<>(List.of(r.model(), r.policy(), r.blocks(), r.runs().size(),
                    r.runs().get(0).images(), r.top1().percent()));
            if (positions) {
                row.add(r.positionAccuracy().map(Stat::percent).orElse("-"));
            }
            table.row(row.toArray());
        }
        table.print(spec.commandLine().getOut());
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
