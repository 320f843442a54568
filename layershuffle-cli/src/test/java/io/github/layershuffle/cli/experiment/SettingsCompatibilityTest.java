package io.github.layershuffle.cli.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.LayerShuffleException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run directory made before a settings field existed resumes under the code that has it (the field takes the
 * current value), and one that holds the field with another value is refused. The state file is a copy of the
 * standard run started on 2026-12-01, before the recipe search's settings existed.
 */
class SettingsCompatibilityTest {

    private static Path copyOfTheStandardRunsState(Path dir) throws Exception {
        Files.createDirectories(dir);
        try (InputStream in = SettingsCompatibilityTest.class.getResourceAsStream("standard-state-before-search.json")) {
            Files.copy(in, dir.resolve("state.json"));
        }
        return dir;
    }

    @Test
    void theStandardRunStartedBeforeTheSearchResumesAndRecordsTheAddedField(@TempDir Path tmp) throws Exception {
        RunDirectory dir = new RunDirectory(copyOfTheStandardRunsState(tmp.resolve("run")));
        JsonNode stored = RunDirectory.read(dir.state()).get("settings");
        assertThat(stored.has("search")).as("the copy predates the search").isFalse();
        ObjectNode now = ExperimentSettings.standard().toJson();
        ObjectNode withoutSearch = now.deepCopy();
        withoutSearch.remove("search");
        assertThat(withoutSearch).as("every other field is as the running code wrote it").isEqualTo(stored);

        ObjectNode state = dir.openState(now, "resume", ExperimentSettings.ADDED_FIELDS, Double.NaN);
        assertThat(state.get("settings")).isEqualTo(now);
        JsonNode invocation = state.get("invocations").get(1);
        assertThat(invocation.get("settingsAdded")).hasSize(1);
        assertThat(invocation.get("settingsAdded").get(0).asText()).isEqualTo("search");
        assertThat(RunDirectory.read(dir.state()).get("settings").get("search"))
                .as("saved: from now on the field is compared").isEqualTo(now.get("search"));

        ObjectNode again = dir.openState(now, "resume again", ExperimentSettings.ADDED_FIELDS, Double.NaN);
        assertThat(again.get("invocations").get(2).has("settingsAdded")).isFalse();
    }

    @Test
    void anAddedFieldWithAnotherValueIsRefused(@TempDir Path tmp) throws Exception {
        RunDirectory dir = new RunDirectory(copyOfTheStandardRunsState(tmp.resolve("run")));
        ExperimentSettings standard = ExperimentSettings.standard();
        dir.openState(standard.toJson(), "resume", ExperimentSettings.ADDED_FIELDS, Double.NaN);
        ObjectNode other = standard.withSearch(standard.search().withBudgets(List.of(3))).toJson();
        assertThatThrownBy(() -> dir.openState(other, "other budgets", ExperimentSettings.ADDED_FIELDS, Double.NaN))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("made with other settings")
                .hasMessageContaining("search was");
    }

    @Test
    void onlyTheListedFieldsMayBeMissing(@TempDir Path tmp) throws Exception {
        Path root = copyOfTheStandardRunsState(tmp.resolve("run"));
        RunDirectory dir = new RunDirectory(root);
        ObjectNode now = ExperimentSettings.standard().toJson();
        assertThatThrownBy(() -> dir.openState(now, "no rule", List.of(), Double.NaN))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("search was absent");
        ObjectNode state = (ObjectNode) RunDirectory.read(dir.state());
        ((ObjectNode) state.get("settings")).remove("merges");
        RunDirectory.write(dir.state(), state);
        assertThatThrownBy(() -> dir.openState(now, "merges missing", ExperimentSettings.ADDED_FIELDS, Double.NaN))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining("made with other settings");
    }
}
