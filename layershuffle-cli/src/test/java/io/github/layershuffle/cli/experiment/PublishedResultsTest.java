package io.github.layershuffle.cli.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The committed report, docs/RESULTS.md, says what its committed docs/results/summary.json says: every cell of
 * Table 1, Table 2, the depth diagnostics and the search table, and every figure it shows exists. A hand edit of
 * either file, or a report copied without its summary, fails here.
 */
class PublishedResultsTest {
    private static final Path DOCS = Path.of("..", "docs");

    @Test
    void theCommittedReportsTablesAreTheNumbersOfItsSummary() throws IOException {
        String md = Files.readString(DOCS.resolve("RESULTS.md"), StandardCharsets.UTF_8);
        JsonNode summary = new ObjectMapper().readTree(DOCS.resolve("results").resolve("summary.json").toFile());
        assertThat(md).as("the published report is the standard preset's, complete")
                .contains("(preset `standard`)").doesNotContain("**Partial results**");
        ReportChecks.assertTablesMatchSummary(md, summary, ExperimentSettings.ALL_METHODS);
        assertThat(ReportChecks.assertSearchTableMatchesSummary(md, summary)).as("2 methods x 2 budgets").isEqualTo(4);
    }

    @Test
    void everyFigureTheReportsShowIsCommitted() throws IOException {
        for (Path report : new Path[] {DOCS.resolve("RESULTS.md"), DOCS.resolve("small").resolve("RESULTS.md")}) {
            String md = Files.readString(report, StandardCharsets.UTF_8);
            Matcher image = Pattern.compile("!\\[[^]]*]\\(([^)]+)\\)").matcher(md);
            int found = 0;
            while (image.find()) {
                assertThat(report.getParent().resolve(image.group(1))).as(report + " shows " + image.group(1))
                        .isRegularFile();
                found++;
            }
            assertThat(found).as(report + " figures").isGreaterThan(3);
        }
    }
}
