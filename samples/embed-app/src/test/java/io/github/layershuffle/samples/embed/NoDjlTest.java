package io.github.layershuffle.samples.embed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A host app that runs exported blocks gets ONNX Runtime and nothing of DJL or libtorch. The enforcer's
 * bannedDependencies rule fails the build first; this test fails if something slips past it (a shaded jar, a
 * rule edited away).
 */
class NoDjlTest {

    @Test
    void djlIsNotOnTheClasspath() {
        assertThatThrownBy(() -> Class.forName("ai.djl.Model")).isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("ai.djl.pytorch.engine.PtEngine"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("org.bytedeco.pytorch.Module"))
                .isInstanceOf(ClassNotFoundException.class);
    }

    @Test
    void noClasspathEntryIsDjlOrLibtorch() {
        List<String> entries = new ArrayList<>();
        for (String property : new String[] {"java.class.path", "surefire.test.class.path"}) {
            String value = System.getProperty(property);
            if (value != null) {
                entries.addAll(List.of(value.split(File.pathSeparator)));
            }
        }
        assertThat(entries).as("the test class path").anyMatch(e -> e.contains("onnxruntime"));
        assertThat(entries).noneMatch(e -> e.replace('\\', '/').contains("/ai/djl/"))
                .noneMatch(e -> e.contains("pytorch"))
                .noneMatch(e -> e.contains("libtorch"))
                .noneMatch(e -> e.contains("bytedeco"));
    }

    @Test
    void onnxRuntimeIsThere() throws Exception {
        assertThat(Class.forName("ai.onnxruntime.OrtEnvironment")).isNotNull();
    }
}
