package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExperimentCommandTest {
    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LayerShuffleCli.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpNamesThePresetsAndResume() {
        Result r = run("experiment", "--help");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("Usage: layershuffle experiment").contains("--preset").contains("smoke")
                .contains("small").contains("paper").contains("--report-only").contains("resumes");
    }

    /** Each preset has its own default report, so running one never overwrites the published standard report. */
    @Test
    void eachPresetWritesItsOwnReportByDefault() {
        Path run = Path.of("runs", "x");
        assertThat(ExperimentCommand.defaultReport("standard", run)).isEqualTo(Path.of("docs", "RESULTS.md"));
        assertThat(ExperimentCommand.defaultReport("small", run)).isEqualTo(Path.of("docs", "small", "RESULTS.md"));
        assertThat(ExperimentCommand.defaultReport("paper", run)).isEqualTo(Path.of("docs", "paper", "RESULTS.md"));
        assertThat(ExperimentCommand.defaultReport("smoke", run)).isEqualTo(run.resolve("RESULTS.md"));
        assertThat(ExperimentCommand.defaultReport("standard-smoke", run)).isEqualTo(run.resolve("RESULTS.md"));
    }

    /** --estimate prints both estimates from the (here injected) probe, and reads no data. */
    @Test
    void estimatePrintsTheCalibratedAndTheScaledEstimate(@TempDir Path tmp) {
        ExperimentCommand command = new ExperimentCommand();
        double probe = io.github.layershuffle.cli.experiment.CostEstimate.CALIBRATION_PROBE_GFLOPS / 3;
        command.stepProbe = () -> probe;
        command.probe = () -> {
            throw new AssertionError("the matrix-product probe is only recorded by a run, not used by --estimate");
        };
        StringWriter err = new StringWriter();
        int code = new picocli.CommandLine(command).setOut(new PrintWriter(new StringWriter()))
                .setErr(new PrintWriter(err)).execute("--preset", "standard", "--estimate", "--data",
                        tmp.resolve("none").toString(), "--dir", tmp.resolve("run").toString());
        assertThat(code).as(err.toString()).isZero();
        double minutes = io.github.layershuffle.cli.experiment.CostEstimate.seconds(
                io.github.layershuffle.cli.experiment.ExperimentSettings.standard()).orElseThrow() / 60;
        assertThat(err.toString()).contains(String.format(java.util.Locale.ROOT, "estimated %.0f minutes", minutes))
                .contains(String.format(java.util.Locale.ROOT, "about %.0f minutes on this machine now", 3 * minutes))
                .contains("3.00x slower");
        assertThat(tmp.resolve("run")).doesNotExist();
    }

    @Test
    void anUnknownPresetIsRefusedWithTheChoices() {
        Result r = run("experiment", "--preset", "huge");
        assertThat(r.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(r.err()).contains("unknown preset 'huge'").contains("[smoke, small, standard, standard-smoke, paper]");
    }

    @Test
    void missingFashionMnistSaysHowToInstallIt(@TempDir Path tmp) {
        Result r = run("experiment", "--preset", "smoke", "--data", tmp.resolve("none").toString(), "--dir",
                tmp.resolve("run").toString());
        assertThat(r.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(r.err()).contains("sudo apt-get install dataset-fashion-mnist");
    }

    @Test
    void thePaperPresetNeedsItsWeightsAndData(@TempDir Path tmp) {
        Result r = run("experiment", "--preset", "paper", "--dir", tmp.toString());
        assertThat(r.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(r.err()).contains("--init-hf").contains("--data");
    }

    @Test
    void theDemoWithoutFashionMnistSaysHowToInstallIt(@TempDir Path tmp) {
        Result r = run("demo", "--data", tmp.resolve("none").toString(), "--out", tmp.resolve("demo").toString());
        assertThat(r.code()).isEqualTo(LayerShuffleCli.EXIT_FAILURE);
        assertThat(r.err()).contains("sudo apt-get install dataset-fashion-mnist");
    }
}
