package io.github.layershuffle.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.ExperimentSettings;
import io.github.layershuffle.cli.experiment.Measurements;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report's first line names the thread settings that measured its numbers, not the report process's. */
class ProvenanceTest {
    private static final MachineInfo REPORTER = new MachineInfo("Test CPU", 2, 23.5, "17", "Linux amd64",
            "PyTorch threads: OMP_NUM_THREADS=7");

    private static String provenance(String threads) {
        ExperimentResult r = new ExperimentResult(ExperimentSettings.standard(), Path.of("run"), new Measurements(),
                Map.of(), List.of(), List.of(), Map.of(), List.of(new ExperimentResult.Invocation("2026-12-02T12:16:45Z",
                "layershuffle experiment --preset standard", 96, threads, 321.0, 3600)), Map.of(), Map.of(), Map.of(),
                Map.of(), Map.of());
        return ResultsReport.provenance(r, "layershuffle experiment --preset standard --report-only -q", REPORTER,
                "2026-12-02 14:00 UTC");
    }

    @Test
    void theInvocationsRecordedThreadsReplaceTheReportProcesss() {
        assertThat(provenance("OMP_NUM_THREADS=2 ai.djl.pytorch.num_threads=2"))
                .isEqualTo("Run by `layershuffle experiment --preset standard` (report by `layershuffle experiment "
                        + "--preset standard --report-only -q`) on 2 cores (Test CPU), 23.5 GiB memory, Java 17, Linux "
                        + "amd64, PyTorch threads as each invocation below lists, 2026-12-02 14:00 UTC.");
    }

    @Test
    void withoutRecordedThreadsTheReportProcesssAreShown() {
        assertThat(provenance("")).contains("PyTorch threads: OMP_NUM_THREADS=7");
    }
}
