package io.github.layershuffle.cli.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.data.DatasetSplits;
import io.github.layershuffle.train.data.ImageDataset;
import io.github.layershuffle.cli.report.MachineInfo;
import io.github.layershuffle.cli.report.ResultsReport;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The smoke-sized pipeline end to end on tiny generated data: results, report, figures, resume. */
class ExperimentTest {
    private static final int SIDE = 8;
    private static final int CLASSES = 4;

    /** Class c lights up quadrant c of an 8x8 image, with noise: easy, so training moves. */
    static ImageDataset synthetic(String name, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] pixels = new float[n * SIDE * SIDE];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int c = random.nextInt(CLASSES);
            labels[i] = c;
            for (int y = 0; y < SIDE; y++) {
                for (int x = 0; x < SIDE; x++) {
                    int quadrant = (y / 4) * 2 + x / 4;
                    pixels[i * SIDE * SIDE + y * SIDE + x] = (float) Math.min(1, (quadrant == c ? 0.7 : 0.1)
                            + 0.3 * random.nextDouble());
                }
            }
        }
        return ImageDataset.of(name, pixels, labels, 1, SIDE, SIDE, List.of("a", "b", "c", "d"));
    }

    static ExperimentSettings tinySettings() {
        ModelConfig model = ModelConfig.builder().imageSize(SIDE).channels(1).patchSize(4).width(8).depth(4).heads(2)
                .mlpWidth(16).classes(CLASSES).variant(Variant.BASELINE).build();
        return new ExperimentSettings("test", model, 2, 1e-2, 1, 1e-3, 8, 64, 32, 32, ExperimentSettings.ALL_METHODS,
                2, 2, List.of(1, 2, 4), 2, 32,
                List.of(Variant.BASELINE, Variant.LAYERSHUFFLE, Variant.LAYERSHUFFLE_POSITION),
                List.of(Variant.LAYERSHUFFLE), 16);
    }

    static DatasetSplits data() {
        return new DatasetSplits(synthetic("train", 64, 1), synthetic("validation", 32, 2), synthetic("test", 32, 3));
    }

    @Test
    void runsEveryUnitWritesTheReportAndResumesWithoutRedoingWork(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        List<String> started = new ArrayList<>();
        ExperimentListener counting = new ExperimentListener() {
            @Override
            public void unitStarted(String unit, int index, int total) {
                started.add(unit);
            }
        };
        Experiment experiment = Experiment.builder().setSettings(tinySettings()).setData(data()).setDirectory(dir)
                .optListener(counting).optCommand("test run").optSpeedProbe(42.5).build();
        ExperimentResult result = experiment.run();
        assertThat(result.invocations()).extracting(ExperimentResult.Invocation::probeGflopsPerSecond)
                .containsExactly(42.5);
        assertThat(result.invocations().get(0).wallSeconds()).as("a finished invocation's wall time").isPositive();

        assertThat(result.isComplete()).isTrue();
        assertThat(started).containsExactlyElementsOf(experiment.unitNames());
        assertThat(started).contains("train-base", "train-layershuffle-s2", "eval-layerdrop-s1", "probe-baseline-s1",
                "ort-layershuffle-s1", "merge-layershuffle", "ensemble-layershuffle-predict");

        Path report = tmp.resolve("docs").resolve("RESULTS.md");
        List<Path> files = ResultsReport.write(result, report, "layershuffle experiment --preset test",
                MachineInfo.current());
        String md = Files.readString(report);
        assertThat(md).contains("## Table 1", "## Pruning", "## Table 2", "linear probe", "82.61 ± 0.08 %",
                "62.77 ± 0.41 %", "layershuffle experiment --preset test", "cores", "### What agrees", "## Diagnostics",
                "### Update ratio per slot", "## Why we differ from the paper", "stem and head always from model 1",
                "speed probe ([6400x64] x [64x192] product) 42.5 GFLOP/s", "unit(s) in ");

        JsonNode summary = new ObjectMapper().readTree(ResultsReport.summaryFile(report).toFile());
        for (Variant v : ExperimentSettings.ALL_METHODS) {
            JsonNode m = summary.get(v.id());
            assertThat(m).as(v.id()).isNotNull();
            String merged = v.shuffles() ? "merged.arbitrary" : "merged.sequential";
            for (String metric : List.of("sequential", "arbitrary", "keep1.sequential", "keep1.shuffled",
                    "keep4.shuffled", merged, merged + ".top5", "ensemble.sequential", "ensemble.arbitrary",
                    "sequential.top5", "arbitrary.top5", "keep1.shuffled.top5", "ensemble.arbitrary.top5",
                    "update_ratio.slot0", "update_ratio.slot3", "update_ratio.mean", "stem_probe.accuracy",
                    "divergence.block0", "divergence.mean", "disagreement.sequential")) {
                assertThat(m.has(metric)).as(v.id() + " " + metric).isTrue();
            }
            assertThat(m.get("sequential").get("n").asInt()).isEqualTo(2);
            assertThat(m.get(merged).get("n").asInt()).isEqualTo(2);
            assertThat(m.get("disagreement.sequential").get("n").asInt()).as("one pair of two models").isEqualTo(1);
            assertThat(m.get("sequential.top5").get("mean").asDouble()).as("4 classes: top-5 is every class")
                    .isEqualTo(1.0);
            double seq = m.get("sequential").get("mean").asDouble();
            assertThat(seq).isBetween(0.0, 1.0);
        }
        assertThat(summary.get("layershuffle").has("probe.accuracy")).isTrue();
        assertThat(summary.get("baseline").has("probe.accuracy")).isTrue();
        assertThat(summary.get("layershuffle-predict").has("position_accuracy.arbitrary")).isTrue();
        assertThat(summary.get("layershuffle-predict").has("position_within1.arbitrary")).isTrue();
        assertThat(result.slotConfusions()).containsOnlyKeys(Variant.LAYERSHUFFLE_PREDICT);
        assertThat(result.validationCurves().get("base")).hasSize(2);
        // evaluation plans come from their own stream, not from the training seed's
        JsonNode eval = new ObjectMapper().readTree(dir.resolve("results/eval-layershuffle-s1.json").toFile());
        assertThat(eval.get("plans").get("evaluationSeed0Stream").asLong())
                .isEqualTo(io.github.layershuffle.train.eval.EvaluationSeeds.stream(0));
        ReportChecks.assertTablesMatchSummary(md, summary, ExperimentSettings.ALL_METHODS);
        JsonNode ls = summary.get("layershuffle");
        for (String metric : List.of("sequential", "arbitrary", "keep2.sequential", "keep2.shuffled")) {
            assertThat(ls.get("ort." + metric).get("mean").asDouble()).as("ORT vs DJL " + metric)
                    .isCloseTo(ls.get(metric).get("mean").asDouble(), org.assertj.core.data.Offset.offset(0.035));
        }

        List<Path> pngs = files.stream().filter(p -> p.toString().endsWith(".png")).toList();
        assertThat(pngs).extracting(p -> p.getFileName().toString()).contains("table1.png", "pruning-sequential.png",
                "pruning-shuffled.png", "merges.png", "curves.png", "probe-pca-layershuffle.png");
        for (Path png : pngs) {
            byte[] bytes = Files.readAllBytes(png);
            assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
            BufferedImage image = ImageIO.read(png.toFile());
            assertThat(image).as(png.toString()).isNotNull();
            assertThat(image.getWidth()).isGreaterThan(100);
        }

        started.clear();
        ExperimentResult again = Experiment.builder().setSettings(tinySettings()).setData(data()).setDirectory(dir)
                .optListener(counting).build().run();
        assertThat(started).as("units run by the second invocation").isEmpty();
        JsonNode state = new ObjectMapper().readTree(dir.resolve("state.json").toFile());
        JsonNode last = state.get("invocations").get(1);
        assertThat(last.get("unitsRun")).isEmpty();
        assertThat(state.get("invocations").get(0).get("probeGflopsPerSecond").asDouble()).isEqualTo(42.5);
        assertThat(last.has("probeGflopsPerSecond")).as("no probe given, none recorded").isFalse();
        assertThat(last.get("unitsSkipped")).hasSize(experiment.unitNames().size());
        assertThat(again.measurements().toJson()).isEqualTo(result.measurements().toJson());
    }

    @Test
    void aDirectoryOfOtherSettingsIsRefusedAndAPendingUnitIsRunOnResume(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        ExperimentSettings one = tinySettings().withSeeds(1);
        Experiment.builder().setSettings(one).setData(data()).setDirectory(dir).build().run();
        ExperimentSettings other = one.withEpochs(3, 1);
        assertThatThrownBy(() -> Experiment.builder().setSettings(other).setData(data()).setDirectory(dir).build().run())
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("baseEpochs was 2, now 3");

        Files.delete(dir.resolve("results").resolve("eval-layerdrop-s1.json"));
        List<String> started = new ArrayList<>();
        ExperimentResult r = Experiment.builder().setSettings(one).setData(data()).setDirectory(dir)
                .optListener(new ExperimentListener() {
                    @Override
                    public void unitStarted(String unit, int index, int total) {
                        started.add(unit);
                    }
                }).build().collect();
        assertThat(r.pending()).containsExactly("eval-layerdrop-s1");
        Experiment.builder().setSettings(one).setData(data()).setDirectory(dir)
                .optListener(new ExperimentListener() {
                    @Override
                    public void unitStarted(String unit, int index, int total) {
                        started.add(unit);
                    }
                }).build().run();
        assertThat(started).containsExactly("eval-layerdrop-s1");
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> ExperimentSettings.preset("huge")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[smoke, small, standard, standard-smoke, paper]");
        ModelConfig m = tinySettings().model();
        assertThatThrownBy(() -> new ExperimentSettings("x", m, 1, 1e-3, 1, 1e-3, 16, 64, 32, 32,
                ExperimentSettings.ALL_METHODS, 1, 1, List.of(5), 1, 8, List.of(), List.of(), 16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keeps holds 5");
        assertThat(ExperimentSettings.small().model().depth()).isEqualTo(12);
        assertThat(ExperimentSettings.small().keeps()).containsExactly(1, 2, 3, 6, 9, 12);
        assertThat(ExperimentSettings.small().quarterKeep()).isEqualTo(3);
        assertThat(ExperimentSettings.paper().model().width()).isEqualTo(768);
    }

    /**
     * The paper preset's path on a miniature: no base training, the initial checkpoint given (as from a Hugging
     * Face file), and an image-folder tree decoded on demand (as ImageNet must be).
     */
    @Test
    void runsFromAGivenCheckpointOnALazyImageFolder(@TempDir Path tmp) throws Exception {
        Path tree = tmp.resolve("tree");
        SplittableRandom random = new SplittableRandom(5);
        for (String part : List.of("train", "val")) {
            ImageDataset source = synthetic(part, part.equals("train") ? 48 : 24, part.length());
            for (int i = 0; i < source.count(); i++) {
                BufferedImage image = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
                float[] px = source.image(i);
                for (int y = 0; y < SIDE; y++) {
                    for (int x = 0; x < SIDE; x++) {
                        image.getRaster().setSample(x, y, 0, Math.round(px[y * SIDE + x] * 255));
                    }
                }
                Path file = tree.resolve(part).resolve(source.classNames().get(source.label(i)))
                        .resolve(i + "-" + random.nextInt(1000) + ".png");
                Files.createDirectories(file.getParent());
                ImageIO.write(image, "png", file.toFile());
            }
        }
        ImageDataset train = io.github.layershuffle.train.data.ImageFolder.open(tree.resolve("train"), SIDE, 1);
        ImageDataset val = io.github.layershuffle.train.data.ImageFolder.open(tree.resolve("val"), SIDE, 1);
        assertThat(train.isLazy()).isTrue();
        ExperimentSettings base = tinySettings();
        ExperimentSettings settings = new ExperimentSettings("test", base.model(), 0, base.baseLearningRate(),
                base.fineTuneEpochs(), base.fineTuneLearningRate(), base.batchSize(), base.trainImages(),
                base.validationImages(), base.testImages(), List.of(Variant.BASELINE, Variant.LAYERSHUFFLE), 1, 1,
                List.of(2, 4), 1, 16, List.of(Variant.LAYERSHUFFLE), List.of(Variant.LAYERSHUFFLE),
                base.evalBatchSize());
        var initial = io.github.layershuffle.train.checkpoint.ModelCheckpoints.fresh(base.model(), 3);
        Experiment experiment = Experiment.builder().setSettings(settings)
                .setData(new DatasetSplits(train, val, val)).setDirectory(tmp.resolve("run"))
                .optInitial(initial).optCommand("test paper path").build();
        ExperimentResult result = experiment.run();
        assertThat(result.isComplete()).isTrue();
        // fine-tuned from the given checkpoint, not from a freshly trained base: the family carries over
        assertThat(io.github.layershuffle.api.checkpoint.Checkpoint.read(tmp.resolve("run/train/layershuffle-s1/best.safetensors"))
                .family()).isEqualTo(initial.family());
        JsonNode summary = new ObjectMapper().readTree(tmp.resolve("run").resolve("results").resolve("eval-layershuffle-s1.json").toFile());
        assertThat(summary.get("metrics").get("sequential").asDouble()).isBetween(0.0, 1.0);
    }
}
