package io.github.layershuffle.cli.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.layershuffle.api.Variant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Checks that the numbers in a report's tables are the numbers of its {@code summary.json}: every cell of
 * Table 1, Table 2 and the depth diagnostics is parsed back and compared with the summary's mean, std and n.
 */
final class ReportChecks {
    private ReportChecks() {
    }

    static void assertTablesMatchSummary(String md, JsonNode summary, List<Variant> methods) {
        int checked = 0;
        checked += table(md, summary, methods, "| method | sequential (DJL) |", v -> List.of("sequential",
                "ort.sequential", "arbitrary", "ort.arbitrary"));
        checked += table(md, summary, methods, "| method | models | single, sequential |", v -> {
            String merged = v.shuffles() ? "merged.arbitrary" : "merged.sequential";
            return java.util.Arrays.asList(null, "sequential", "arbitrary", merged, merged + ".top5",
                    "ensemble.sequential", "ensemble.arbitrary");
        });
        checked += table(md, summary, methods, "| method | stem probe |", v -> List.of("stem_probe.accuracy",
                "stem_probe.chance", "keep1.sequential", "keep1.shuffled", "keep2.sequential", "keep2.shuffled",
                "sequential"));
        assertThat(checked).as("cells compared").isGreaterThan(3 * methods.size());
    }

    /**
     * Checks the search table: every accuracy cell against the summary's entry, and the best fixed policy and the
     * margin recomputed from the summary's means. Returns the rows checked.
     */
    static int assertSearchTableMatchesSummary(String md, JsonNode summary) {
        List<String> lines = Arrays.asList(md.split("\n"));
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("| method | blocks | searched, validation | searched, test |")) {
                start = i;
                break;
            }
        }
        assertThat(start).as("search table").isNotNegative();
        int rows = 0;
        for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            List<String> cells = new ArrayList<>(Arrays.stream(lines.get(i).split("\\|")).map(String::strip).toList());
            cells.remove(0);
            Variant v = Variant.fromId(cells.get(0));
            int k = Integer.parseInt(cells.get(1));
            List<String> suffixes = List.of(Measurements.SEARCH_VALIDATION, Measurements.SEARCH_TEST,
                    Measurements.SEARCH_SEQUENTIAL_KEEP, Measurements.SEARCH_RANDOM_KEEP, Measurements.SEARCH_RANDOM_MERGE);
            for (int c = 0; c < suffixes.size(); c++) {
                String metric = Measurements.search(k, suffixes.get(c));
                assertThat(cells.get(c + 2)).as(v.id() + " " + metric).isEqualTo(expected(summary, v, metric));
            }
            double seq = summary.path(v.id()).path(Measurements.search(k, Measurements.SEARCH_SEQUENTIAL_KEEP))
                    .path("mean").asDouble(Double.NaN);
            double rnd = summary.path(v.id()).path(Measurements.search(k, Measurements.SEARCH_RANDOM_KEEP))
                    .path("mean").asDouble(Double.NaN);
            double best = Math.max(seq, rnd);
            double test = summary.path(v.id()).path(Measurements.search(k, Measurements.SEARCH_TEST)).path("mean")
                    .asDouble();
            assertThat(cells.get(7)).as(v.id() + " k=" + k + " best fixed")
                    .isEqualTo(String.format(Locale.ROOT, "%.2f", 100 * best));
            assertThat(cells.get(8)).as(v.id() + " k=" + k + " margin")
                    .isEqualTo(String.format(Locale.ROOT, "%+.2f", 100 * (test - best)));
            rows++;
        }
        return rows;
    }

    private static int table(String md, JsonNode summary, List<Variant> methods, String header,
                             java.util.function.Function<Variant, List<String>> columns) {
        List<String> lines = Arrays.asList(md.split("\n"));
        int start = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(header)) {
                start = i;
                break;
            }
        }
        assertThat(start).as("table " + header).isNotNegative();
        int checked = 0;
        for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            List<String> cells = new ArrayList<>(Arrays.stream(lines.get(i).split("\\|")).map(String::strip).toList());
            cells.remove(0);
            Variant v = Variant.fromId(cells.get(0));
            assertThat(methods).contains(v);
            List<String> metrics = columns.apply(v);
            for (int c = 0; c < metrics.size(); c++) {
                if (metrics.get(c) == null) {
                    continue;
                }
                assertThat(cells.get(c + 1)).as(v.id() + " " + metrics.get(c)).isEqualTo(expected(summary, v, metrics.get(c)));
                checked++;
            }
        }
        return checked;
    }

    /** The cell ResultsReport writes for this summary entry, computed independently from the JSON. */
    private static String expected(JsonNode summary, Variant v, String metric) {
        JsonNode n = summary.path(v.id()).get(metric);
        if (n == null) {
            return "—";
        }
        double mean = 100 * n.get("mean").asDouble();
        int count = n.get("n").asInt();
        return count == 1 ? String.format(Locale.ROOT, "%.2f (n=1)", mean)
                : String.format(Locale.ROOT, "%.2f ± %.2f (n=%d)", mean, 100 * n.get("std").asDouble(), count);
    }
}
