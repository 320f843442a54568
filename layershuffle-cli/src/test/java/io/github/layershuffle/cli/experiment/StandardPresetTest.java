package io.github.layershuffle.cli.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.cli.report.MachineInfo;
import io.github.layershuffle.cli.report.ResultsReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standard preset: its settings, its estimated duration, and its miniature twin run end to end. */
class StandardPresetTest {

    @Test
    void theStandardPresetsSettingsParse() {
        ExperimentSettings s = ExperimentSettings.preset(" Standard ");
        assertThat(s).isEqualTo(ExperimentSettings.standard());
        assertThat(s.model().depth()).isEqualTo(12);
        assertThat(s.model().patchSize()).isEqualTo(7);
        assertThat(s.methods()).isEqualTo(ExperimentSettings.ALL_METHODS);
        assertThat(s.mergeMethods()).containsExactly(Variant.BASELINE, Variant.LAYERSHUFFLE);
        assertThat(s.mergeModels()).isEqualTo(12);
        assertThat(s.models(Variant.LAYERSHUFFLE)).isEqualTo(12);
        assertThat(s.models(Variant.LAYERDROP)).isEqualTo(s.seeds());
        assertThat(s.merges()).isEqualTo(100);
        assertThat(s.keeps()).containsExactly(1, 2, 3, 6, 9, 12);
        assertThat(s.controlDepths()).containsExactly(3, 6, 9);
        assertThat(s.fineTuneLinearDecay()).isTrue();
        assertThat(s.fineTuneEpochs()).isGreaterThan(2);
        assertThat(s.baseWeightDecay()).isPositive();
        assertThat(s.baseEpochs()).isGreaterThan(ExperimentSettings.small().baseEpochs());
        JsonNode json = s.toJson();
        assertThat(json.get("mergeModels").asInt()).isEqualTo(12);
        assertThat(json.get("controlDepths")).hasSize(3);
        assertThat(json.get("fineTuneLinearDecay").asBoolean()).isTrue();
        for (String name : ExperimentSettings.PRESETS) {
            assertThat(ExperimentSettings.preset(name).preset()).isEqualTo(name);
        }
        assertThatThrownBy(() -> s.withModel(s.model().toBuilder().depth(6).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("controlDepths holds 6");
        ExperimentSettings t = ExperimentTest.tinySettings();
        assertThatThrownBy(() -> new ExperimentSettings("x", t.model(), 1, 1e-3, 1, 1e-3, 8, 64, 32, 32, t.methods(), 2, 1,
                t.keeps(), 1, 8, List.of(), List.of(), 8, 0, true, t.methods(), 1, List.of(), 8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mergeModels must be at least seeds (2)");
    }

    @Test
    void theStandardPresetIsEstimatedWithin150MinutesOnRatesThatReproduceTheSmallRun() {
        // the rates reproduce the measured small run's training: 5 + 30 epochs of about 51 s (docs/small/RESULTS.md)
        ExperimentSettings smallAsMeasured = new ExperimentSettings("small", ExperimentSettings.small().model(), 5,
                1e-3, 2, 1e-4, 128, 55_000, 5_000, 10_000, ExperimentSettings.ALL_METHODS, 3, 3, List.of(3, 6, 9, 12), 5,
                960, List.of(Variant.BASELINE, Variant.LAYERSHUFFLE, Variant.LAYERSHUFFLE_POSITION),
                List.of(Variant.LAYERSHUFFLE), 250);
        assertThat(CostEstimate.trainingSeconds(smallAsMeasured)).isCloseTo(5 * 51 + 30 * 50, within(0.06 * 1755));
        double minutes = CostEstimate.seconds(ExperimentSettings.standard()).orElseThrow() / 60;
        assertThat(minutes).isBetween(60.0, 150.0);
        assertThat(CostEstimate.seconds(ExperimentSettings.paper())).isEmpty();
        // the search, counted apart: 2 methods x (k=3, k=6) x 400 recipes on 2,000 images, then 10,000 test images
        double search = CostEstimate.searchSeconds(ExperimentSettings.standard()).orElseThrow() / 60;
        assertThat(search).isBetween(5.0, 30.0);
        assertThat(CostEstimate.searchSeconds(ExperimentSettings.small()).orElseThrow()).isZero();
    }

    /** standard's structure (12 models per slot, controls, schedules, diagnostics) on a 4-block model. */
    @Test
    void aSmokeSizedTwinOfTheStandardPresetRunsAndItsReportMatchesItsSummary(@TempDir Path tmp) throws Exception {
        ModelConfig tiny = ExperimentTest.tinySettings().model();
        ExperimentSettings twin = ExperimentSettings.standard().miniature("standard-twin", tiny, 64, 32, 32);
        assertThat(twin.mergeModels()).as("one model per slot").isEqualTo(tiny.depth());
        assertThat(twin.controlDepths()).containsExactly(1, 2, 3);
        assertThat(twin.keeps()).contains(1, 2, 4);
        assertThat(twin.fineTuneLinearDecay()).isTrue();
        assertThat(ExperimentSettings.standardSmoke().mergeModels()).isEqualTo(4);

        Experiment experiment = Experiment.builder().setSettings(twin).setData(ExperimentTest.data())
                .setDirectory(tmp.resolve("run")).optCommand("test twin").build();
        assertThat(experiment.unitNames()).contains("train-layershuffle-s4", "train-baseline-s4", "train-control-d2",
                "eval-control-d3", "merge-baseline", "merge-layershuffle", "divergence-layerdrop",
                "diagnose-layershuffle-predict-s2", "search-baseline", "search-layershuffle")
                .doesNotContain("train-layerdrop-s3", "merge-layerdrop", "search-layerdrop");
        assertThat(experiment.unitNames().subList(experiment.unitNames().size() - 2, experiment.unitNames().size()))
                .as("the search runs last, so older runs resume in their order")
                .containsExactly("search-baseline", "search-layershuffle");
        assertThat(twin.search().budgets()).containsExactly(1, 2);
        ExperimentResult result = experiment.run();
        assertThat(result.isComplete()).isTrue();
        JsonNode merge = new ObjectMapper().readTree(tmp.resolve("run/results/merge-layershuffle.json").toFile());
        assertThat(merge.get("sources").asInt()).isEqualTo(4);
        assertThat(merge.get("stemAndHead").asText()).contains("layershuffle-s1");
        Measurements m = result.measurements();
        assertThat(m.values(Variant.LAYERSHUFFLE, Measurements.MERGED_ARBITRARY)).hasSize(3);
        assertThat(m.values(Variant.BASELINE, Measurements.MERGED_SEQUENTIAL)).hasSize(3);
        assertThat(m.values(Variant.BASELINE, Measurements.DIVERGENCE_MEAN)).hasSize(4);
        assertThat(m.values(Variant.BASELINE, Measurements.DISAGREEMENT)).as("pairs of 4 models").hasSize(6);
        assertThat(m.values(Variant.BASELINE, Measurements.control(2))).hasSize(1);
        assertThat(m.values(Variant.BASELINE, Measurements.DIVERGENCE_MEAN)).allSatisfy(d -> assertThat(d).isPositive());
        // the search: one recipe per budget, the fixed policies of all 4 models on model 1's stem and head
        ExperimentResult.SearchRun search = result.searches().get(Variant.LAYERSHUFFLE);
        assertThat(search.models()).isEqualTo(4);
        assertThat(search.stemAndHead()).endsWith("layershuffle-s1");
        assertThat(search.budgets()).extracting(ExperimentResult.SearchBudget::budget).containsExactly(1, 2);
        assertThat(search.budgets().get(1).recipe()).hasSize(2).doesNotHaveDuplicates();
        assertThat(search.budgets().get(0).evaluations()).isBetween(1L, 16L); // 4 models x 4 blocks
        assertThat(m.values(Variant.LAYERSHUFFLE, Measurements.search(2, Measurements.SEARCH_SEQUENTIAL_KEEP))).hasSize(4);
        assertThat(m.values(Variant.LAYERSHUFFLE, Measurements.search(2, Measurements.SEARCH_RANDOM_KEEP))).hasSize(8);
        assertThat(m.values(Variant.BASELINE, Measurements.search(1, Measurements.SEARCH_RANDOM_MERGE))).hasSize(2);
        assertThat(m.values(Variant.BASELINE, Measurements.search(2, Measurements.SEARCH_TEST)))
                .singleElement().satisfies(a -> assertThat(a).isBetween(0.0, 1.0));
        assertThat(tmp.resolve("run/search/layershuffle/recipe-k02.yaml")).isRegularFile();
        assertThat(tmp.resolve("run/exports/baseline-s4/manifest.json")).as("every merge model exported").isRegularFile();
        // every finished training keeps its best checkpoint and drops what only resuming needs
        try (var files = Files.walk(tmp.resolve("run"))) {
            List<String> names = files.map(f -> f.getFileName().toString()).toList();
            assertThat(names).contains("best.safetensors").doesNotContain("last.safetensors",
                    "last-optimizer.safetensors");
        }

        Path report = tmp.resolve("docs/RESULTS.md");
        ResultsReport.write(result, report, "layershuffle experiment --preset standard-twin", MachineInfo.current());
        String md = Files.readString(report);
        assertThat(md).contains("every slot comes from a different model", "Fig. 1b's controls", "predicted vs actual slot",
                "## Why we differ from the paper", "Fine-tuning length", "falling linearly to 0");
        JsonNode summary = new ObjectMapper().readTree(ResultsReport.summaryFile(report).toFile());
        ReportChecks.assertTablesMatchSummary(md, summary, ExperimentSettings.ALL_METHODS);
        assertThat(md).contains("## Search: the best recipe of k blocks", "never saw", "stem and head of model 1",
                "figures/search-layershuffle.png");
        assertThat(ReportChecks.assertSearchTableMatchesSummary(md, summary)).as("2 methods x 2 budgets").isEqualTo(4);
        assertThat(tmp.resolve("docs/figures/search-baseline.png")).isRegularFile();
    }

    @Test
    void trainingUnitsPrefetchBatchesOnAGpuOnly() {
        assertThat(Units.loaderThreads(0)).isZero();
        assertThat(Units.loaderThreads(1)).isEqualTo(2);
        assertThat(Units.loaderThreads(8)).isEqualTo(2);
    }
}
