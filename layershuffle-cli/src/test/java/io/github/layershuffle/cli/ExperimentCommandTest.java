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
