package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LayerShuffleCliTest {
    @TempDir
    Path dir;

    /** What one run printed and returned. */
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LayerShuffleCli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Run(code, out.toString(), err.toString());
    }

    static ModelConfig tinyConfig(Variant variant) {
        return ModelConfig.builder().imageSize(8).channels(1).patchSize(4).width(16).depth(3).heads(2)
                .mlpWidth(32).classes(2).variant(variant).build();
    }

    /**
     * An image tree with train/ and val/ parts of two classes: "dark" images are noise in [0, 0.3], "light"
     * ones in [0.7, 1].
     */
    static Path imageTree(Path root, int perClass) throws IOException {
        Random r = new Random(1);
        for (String part : new String[] {"train", "val"}) {
            for (String cls : new String[] {"dark", "light"}) {
                Path d = Files.createDirectories(root.resolve(part).resolve(cls));
                for (int i = 0; i < perClass; i++) {
                    BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
                    for (int y = 0; y < 8; y++) {
                        for (int x = 0; x < 8; x++) {
                            int base = cls.equals("dark") ? 0 : 178;
                            img.getRaster().setSample(x, y, 0, base + r.nextInt(77));
                        }
                    }
                    ImageIO.write(img, "png", d.resolve(i + ".png").toFile());
                }
            }
        }
        return root;
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "train", "evaluate", "merge", "export", "keygen", "demo", "search"})
    void everyCommandHasHelp(String command) {
        Run r = command.isEmpty() ? run("--help") : run(command, "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: layershuffle" + (command.isEmpty() ? "" : " " + command));
        assertThat(r.out()).contains("--help");
    }

    @Test
    void badCommandLinesExitWithUsageCode() {
        Run r = run("evaluate", "--no-such-option");
        assertThat(r.code()).isEqualTo(LayerShuffleCli.EXIT_USAGE);
        assertThat(r.err()).contains("Unknown option: '--no-such-option'").contains("--help");
        assertThat(run("frobnicate").code()).isEqualTo(LayerShuffleCli.EXIT_USAGE);
    }

    @Test
    void anUnknownCommandSaysSoAndExitsNonZero() {
        Run r = run("serach");
        assertThat(r.code()).isEqualTo(LayerShuffleCli.EXIT_USAGE);
        assertThat(r.err()).startsWith("layershuffle: unknown command 'serach'").contains("train, evaluate")
                .contains("Try 'layershuffle --help'");
        assertThat(r.out()).doesNotContain("Usage:");
        assertThat(run("demoo").err()).contains("unknown command 'demoo'; did you mean demo?");
        // an unknown option is still reported as one
        assertThat(run("--frobnicate").err()).doesNotContain("unknown command").contains("--frobnicate");
    }

    @Test
    void evaluateHelpShowsNoRegularExpression() {
        Run r = run("evaluate", "--help");
        assertThat(r.out()).contains("--policy=POLICY[,POLICY...]").doesNotContain("(?=");
    }

    @Test
    void djlsGpuCountWarningIsHiddenUnlessVerbose() {
        String key = "org.slf4j.simpleLogger.log." + LayerShuffleCli.CUDA_LOGGER;
        assertThat(LayerShuffleCli.loggingProperties(false)).containsEntry(key, "error");
        assertThat(LayerShuffleCli.loggingProperties(true)).containsEntry(key, "warn");
        assertThat(LayerShuffleCli.CUDA_LOGGER).isEqualTo(ai.djl.util.cuda.CudaUtils.class.getName());
    }

    @Test
    void errorsAreOneLineWithoutStackTraceUnlessVerbose() {
        Path missing = dir.resolve("missing.safetensors");
        Run r = run("evaluate", missing.toString(), "--data", dir.toString());
        assertThat(r.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(r.err().strip().lines()).hasSize(1);
        assertThat(r.err()).startsWith("layershuffle evaluate: error: ").contains("missing.safetensors");
        Run verbose = run("evaluate", missing.toString(), "--data", dir.toString(), "--verbose");
        assertThat(verbose.err()).contains("\tat io.github.layershuffle");
        Run policy = run("evaluate", missing.toString(), "--policy", "sideways");
        assertThat(policy.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(policy.err()).contains("unknown policy 'sideways'").contains("fixed:");
    }

    @Test
    void mergeWritesAMergedCheckpointAndRefusesAnotherFamily() {
        ModelConfig c = tinyConfig(Variant.LAYERSHUFFLE);
        Checkpoint a = ModelCheckpoints.fresh(c, 1);
        Checkpoint b = new Checkpoint(c, a.family(), Map.of(), ModelCheckpoints.fresh(c, 2).tensors());
        Checkpoint other = ModelCheckpoints.fresh(c, 3);
        a.write(dir.resolve("a.safetensors"));
        b.write(dir.resolve("b.safetensors"));
        other.write(dir.resolve("other.safetensors"));
        Path out = dir.resolve("m.safetensors");
        Run r = run("merge", "--slot", dir.resolve("a.safetensors") + ":0-1", "--slot",
                dir.resolve("b.safetensors") + ":2,0", "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        Checkpoint merged = Checkpoint.read(out);
        assertThat(merged.config().depth()).isEqualTo(4);
        assertThat(merged.tensor("blocks.2.attn.qkv.weight").data())
                .containsExactly(b.tensor("blocks.2.attn.qkv.weight").data());
        assertThat(merged.tensor("blocks.3.mlp.fc1.weight").data())
                .containsExactly(b.tensor("blocks.0.mlp.fc1.weight").data());
        assertThat(r.out()).contains("slot").contains("b.safetensors");

        Run refused = run("merge", "--slot", dir.resolve("a.safetensors") + ":0", "--slot",
                dir.resolve("other.safetensors") + ":1", "--out", dir.resolve("x.safetensors").toString());
        assertThat(refused.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(refused.err()).contains("slot 1").contains("family").contains("other.safetensors");
        assertThat(dir.resolve("x.safetensors")).doesNotExist();
    }

    @Test
    void evaluateReportsPoliciesKeptBlocksEnsemblesAndMerges() throws IOException {
        Path data = imageTree(dir.resolve("data"), 4);
        ModelConfig c = tinyConfig(Variant.LAYERSHUFFLE_PREDICT).toBuilder().labels(java.util.List.of("dark",
                "light")).build();
        Checkpoint a = ModelCheckpoints.fresh(c, 1);
        Checkpoint b = new Checkpoint(c, a.family(), Map.of(), ModelCheckpoints.fresh(c, 2).tensors());
        Path fa = dir.resolve("a.safetensors");
        Path fb = dir.resolve("b.safetensors");
        a.write(fa);
        b.write(fb);
        Path json = dir.resolve("r.json");
        Run r = run("evaluate", fa.toString(), "--data", data.toString(), "--policy", "sequential,random",
                "--keep", "2,3", "--seeds", "3", "--quiet", "--json", json.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("top-1").contains("slot accuracy").contains("random().keep(2)")
                .contains("sequential().keep(3)").contains("±");
        assertThat(Files.readString(json)).contains("\"positionAccuracy\"").contains("\"runs\"");

        Run e = run("evaluate", "--ensemble", fa.toString(), fb.toString(), "--data", data.toString(),
                "--policy", "fixed:2,0,1", "--quiet");
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(e.out()).contains("ensemble of 2").contains("fixed(2, 0, 1)");

        Run m = run("evaluate", "--merge", fa + ":0", "--merge", fb + ":1-2", "--data", data.toString(),
                "--policy", "reversed", "--quiet");
        assertThat(m.code()).as(m.err()).isZero();
        assertThat(m.out()).contains("merged").contains("reversed");

        Run rm = run("evaluate", "--random-merges", "2", fa.toString(), fb.toString(), "--data", data.toString(),
                "--policy", "random", "--quiet");
        assertThat(rm.code()).as(rm.err()).isZero();
        assertThat(rm.out()).contains("random merge of 2 models");
    }

    @Test
    void trainThenEvaluateEndToEnd() throws IOException {
        Path data = imageTree(dir.resolve("data"), 12);
        Path runDir = dir.resolve("run");
        String[] train = {"train", "--data", data.toString(), "--image-size", "8", "--patch-size", "4", "--width",
            "16", "--depth", "3", "--heads", "2", "--mlp-width", "32", "--variant", "layershuffle-predict",
            "--epochs", "2", "--batch-size", "8", "--lr", "3e-3", "--test-seeds", "2", "--quiet",
            "--out", runDir.toString()};
        Run t = run(train);
        assertThat(t.code()).as(t.err()).isZero();
        assertThat(runDir.resolve("best.safetensors")).exists();
        assertThat(runDir.resolve("metrics.jsonl")).exists();
        assertThat(t.out()).contains("training " + runDir).contains("val slot acc").contains("random()")
                .contains("best: ");
        Checkpoint best = Checkpoint.read(runDir.resolve("best.safetensors"));
        assertThat(best.config().variant()).isEqualTo(Variant.LAYERSHUFFLE_PREDICT);
        assertThat(best.config().labels()).containsExactly("dark", "light");

        Run again = run(train);
        assertThat(again.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(again.err()).contains("already holds a run");
        String[] longer = train.clone();
        longer[java.util.Arrays.asList(longer).indexOf("--epochs") + 1] = "3";
        String[] resume = java.util.Arrays.copyOf(longer, longer.length + 1);
        resume[longer.length] = "--resume";
        Run resumed = run(resume);
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(Files.readAllLines(runDir.resolve("metrics.jsonl"))).hasSize(3);

        Run e = run("evaluate", runDir.resolve("best.safetensors").toString(), "--data", data.toString(),
                "--split", "validation", "--quiet");
        assertThat(e.code()).as(e.err()).isZero();
        assertThat(e.out()).contains("sequential()").contains("random()").contains("slot accuracy");

        Run fineTune = run("train", "--data", data.toString(), "--init", runDir.resolve("best.safetensors").toString(),
                "--variant", "layershuffle-predict", "--epochs", "1", "--batch-size", "8", "--test-seeds", "0",
                "--linear-decay", "--predictor-lr-scale", "10", "--quiet", "--out", dir.resolve("ft").toString());
        assertThat(fineTune.code()).as(fineTune.err()).isZero();
        assertThat(Checkpoint.read(dir.resolve("ft/best.safetensors")).family()).isEqualTo(best.family());
        // the last step's rate: peak / steps under linear decay (two steps here); a constant 1e-4 stays 1e-4
        double lastRate = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(Files.readAllLines(dir.resolve("ft/metrics.jsonl")).get(0)).path("learning_rate").asDouble();
        assertThat(lastRate).isLessThan(0.6e-4);
        Run both = run("train", "--data", data.toString(), "--init", runDir.resolve("best.safetensors").toString(),
                "--epochs", "1", "--cosine", "--linear-decay", "--quiet", "--out", dir.resolve("ft2").toString());
        assertThat(both.code()).isNotZero();
        assertThat(both.err()).contains("cosine and linearDecay exclude each other");
        Run badScale = run("train", "--data", data.toString(), "--init", runDir.resolve("best.safetensors").toString(),
                "--epochs", "1", "--predictor-lr-scale", "0", "--quiet", "--out", dir.resolve("ft3").toString());
        assertThat(badScale.code()).isNotZero();
        assertThat(badScale.err()).contains("predictorLearningRateScale must be finite and > 0, was 0.0");
    }

    @Test
    void exportWritesAnExportDirectory() {
        Checkpoint a = ModelCheckpoints.fresh(tinyConfig(Variant.LAYERSHUFFLE), 1);
        Path file = dir.resolve("a.safetensors");
        a.write(file);
        Path out = dir.resolve("export");
        Run r = run("export", file.toString(), out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("manifest.json")).exists();
        assertThat(out.resolve("block-02.onnx")).exists();
        Run again = run("export", file.toString(), out.toString());
        assertThat(again.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(again.err().strip().lines()).hasSize(1);
    }

    @Test
    void evaluateRunsExportsAndRecipesOnOnnxRuntimeLikeTheirCheckpoints() throws IOException {
        Path data = imageTree(dir.resolve("data"), 6);
        ModelConfig c = tinyConfig(Variant.LAYERSHUFFLE_PREDICT);
        Checkpoint a = io.github.layershuffle.train.model.TestModels.randomCheckpoint(c, 5);
        Checkpoint b = new Checkpoint(c, a.family(), Map.of(),
                io.github.layershuffle.train.model.TestModels.randomCheckpoint(c, 6).tensors());
        Path fa = dir.resolve("a.safetensors");
        a.write(fa);
        Path ea = io.github.layershuffle.onnx.export.OnnxExporter.builder().build().export(a, dir.resolve("ea"));
        Path eb = io.github.layershuffle.onnx.export.OnnxExporter.builder().build().export(b, dir.resolve("eb"));
        Path recipe = dir.resolve("merged.yaml");
        Files.writeString(recipe, "format: layershuffle-recipe\nversion: 1\nstem: ea\nhead: eb\nslots:\n"
                + "  - {export: eb, block: 2}\n  - {export: ea, block: 0}\n  - {export: ea, block: 0}\n");
        Path json = dir.resolve("r.json");
        Run r = run("evaluate", fa.toString(), "--onnx", ea.toString(), "--onnx", recipe.toString(), "--data",
                data.toString(), "--policy", "sequential,random", "--seeds", "2", "--quiet", "--json",
                json.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("evaluation on ONNX Runtime").contains("merged.yaml").contains("slot accuracy");

        // the export runs on ONNX Runtime what the checkpoint runs on DJL: the same plans, the same predictions
        com.fasterxml.jackson.databind.JsonNode rows = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(json.toFile());
        assertThat(rows).hasSize(2 + 2 + 2);
        for (String policy : new String[] {"sequential()", "random()"}) {
            com.fasterxml.jackson.databind.JsonNode djl = find(rows, fa.toString(), policy);
            com.fasterxml.jackson.databind.JsonNode ort = find(rows, ea.toString(), policy);
            assertThat(ort.get("runtime").asText()).isEqualTo("onnxruntime");
            assertThat(ort.get("top1").get("mean").asDouble()).as(policy)
                    .isEqualTo(djl.get("top1").get("mean").asDouble());
            assertThat(ort.get("positionAccuracy").get("mean").asDouble()).as(policy)
                    .isEqualTo(djl.get("positionAccuracy").get("mean").asDouble());
            assertThat(ort.get("runs")).hasSize(policy.startsWith("random") ? 2 : 1);
        }
        assertThat(find(rows, recipe.toString(), "sequential()").get("blocks").asInt()).isEqualTo(3);

        Run missing = run("evaluate", "--onnx", dir.resolve("nowhere").toString(), "--data", data.toString());
        assertThat(missing.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(missing.err()).contains("nowhere").contains("no such export directory or recipe file");
        Run ensembleOfNothing = run("evaluate", "--ensemble", "--onnx", ea.toString(), "--data", data.toString());
        assertThat(ensembleOfNothing.err()).contains("--ensemble and --random-merges need CHECKPOINTs");
    }

    private static com.fasterxml.jackson.databind.JsonNode find(com.fasterxml.jackson.databind.JsonNode rows,
                                                                 String model, String policy) {
        for (com.fasterxml.jackson.databind.JsonNode row : rows) {
            if (row.get("model").asText().equals(model) && row.get("policy").asText().equals(policy)) {
                return row;
            }
        }
        throw new AssertionError("no row for " + model + " under " + policy + " in " + rows);
    }
}
