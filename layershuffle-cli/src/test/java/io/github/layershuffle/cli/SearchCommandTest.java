package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.train.checkpoint.ModelCheckpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchCommandTest {
    @TempDir
    Path dir;

    @Test
    void writesALoadableRecipePerBudgetASummaryAndAChart() throws IOException {
        Path data = LayerShuffleCliTest.imageTree(dir.resolve("data"), 6);
        ModelConfig c = LayerShuffleCliTest.tinyConfig(Variant.LAYERSHUFFLE).toBuilder()
                .labels(List.of("dark", "light")).build();
        Checkpoint a = ModelCheckpoints.fresh(c, 1);
        Checkpoint b = new Checkpoint(c, a.family(), Map.of(), ModelCheckpoints.fresh(c, 2).tensors());
        Path ea = OnnxExporter.create().export(a, dir.resolve("ea"));
        Path eb = OnnxExporter.create().export(b, dir.resolve("eb"));
        Path out = dir.resolve("search");

        LayerShuffleCliTest.Run r = LayerShuffleCliTest.run("search", ea.toString(), eb.toString(), "--budget",
                "1..2", "--out", out.toString(), "--data", data.toString(), "--max-evaluations", "6",
                "--population", "4", "--rounds", "2", "--validation", "8", "--quiet");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Searched recipes vs fixed policies").contains("k=1: validation")
                .contains("k=2: validation");
        for (int k = 1; k <= 2; k++) {
            Path recipe = out.resolve(String.format("recipe-k%02d.yaml", k));
            try (LayerShuffleModel m = LayerShuffleModel.compose(recipe)) {
                assertThat(m.size()).isEqualTo(k);
            }
        }
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        assertThat(summary.get("budgets")).hasSize(2);
        assertThat(summary.get("budgets").get(1).get("testTop1").asDouble()).isBetween(0.0, 1.0);
        assertThat(summary.get("command").asText()).startsWith("layershuffle search");
        assertThat(Files.size(out.resolve("search.png"))).isPositive();
        assertThat(Files.readString(out.resolve("search.md"))).contains("| 2 |").contains("random merges");
    }

    @Test
    void budgetsAndDurationsParse() {
        assertThat(SearchCommand.parseBudgets("1..4")).containsExactly(1, 2, 3, 4);
        assertThat(SearchCommand.parseBudgets("3, 6,9")).containsExactly(3, 6, 9);
        assertThatThrownBy(() -> SearchCommand.parseBudgets("0..3")).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("--budget 0..3");
        assertThatThrownBy(() -> SearchCommand.parseBudgets("a")).isInstanceOf(LayerShuffleException.class);
        assertThat(SearchCommand.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(SearchCommand.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(SearchCommand.parseDuration("PT2H")).isEqualTo(Duration.ofHours(2));
        assertThatThrownBy(() -> SearchCommand.parseDuration("soon")).isInstanceOf(LayerShuffleException.class);
    }
}
