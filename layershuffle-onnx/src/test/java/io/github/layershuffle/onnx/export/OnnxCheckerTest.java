package io.github.layershuffle.onnx.export;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every variant's export, including {@code model.onnx}, passes the reference checker
 * ({@code onnx.checker.check_model(full_check=True)}) through {@code src/test/python/check_export.py}.
 * Needs Python with the {@code onnx} package (Debian: {@code python3-onnx}, which CI installs); skipped with
 * the reason where it is missing.
 */
class OnnxCheckerTest {
    private static final Path SCRIPT = Path.of("src/test/python/check_export.py");

    @TempDir
    Path dir;

    @Test
    void everyVariantPassesOnnxChecker() throws IOException, InterruptedException {
        String python = pythonWithOnnx();
        Assumptions.assumeTrue(python != null, "no python3 with the onnx package (apt-get install python3-onnx)");
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString()));
        for (Variant variant : Variant.values()) {
            for (int channels : new int[] {1, 3}) {
                ModelConfig config = TinyModels.config(variant, channels);
                Path out = dir.resolve(variant.id() + "-" + channels);
                OnnxExporter.builder().optFullModel(true).build().export(TinyModels.checkpoint(config, 3), out);
                command.add(out.toString());
            }
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isZero();
        assertThat(output.lines().filter(l -> l.startsWith("OK"))).hasSize(Variant.values().length * 2);
    }

    /** The first of /usr/bin/python3 and python3 on the PATH that can import onnx, or null. */
    private static String pythonWithOnnx() throws InterruptedException {
        for (String candidate : new String[] {"/usr/bin/python3", "python3"}) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import onnx").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException e) {
                // not installed: try the next
            }
        }
        return null;
    }
}
