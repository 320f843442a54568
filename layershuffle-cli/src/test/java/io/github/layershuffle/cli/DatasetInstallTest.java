package io.github.layershuffle.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.train.data.IdxFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Fashion-MNIST install decision: root, password-less sudo, neither; the commands are stubbed, never run. */
class DatasetInstallTest {
    private static final List<String> APT = List.of("apt-get", "install", "-y", "dataset-fashion-mnist");

    @TempDir
    Path dir;

    private final StringWriter err = new StringWriter();

    /**
     * A machine that records the commands it is asked to run, and what had been said on the console before each;
     * an install command "installs" by writing the IDX files into {@code packageDir}.
     */
    final class FakeHost implements DatasetInstall.Host {
        final boolean root;
        final boolean sudo;
        final Deque<Integer> statuses;
        final List<List<String>> ran = new ArrayList<>();
        final List<String> saidBefore = new ArrayList<>();
        Path target = dir;
        boolean writesFiles = true;
        boolean asked;

        FakeHost(boolean root, boolean sudo, Integer... statuses) {
            this.root = root;
            this.sudo = sudo;
            this.statuses = new ArrayDeque<>(List.of(statuses));
        }

        @Override
        public boolean isRoot() {
            asked = true;
            return root;
        }

        @Override
        public boolean hasPasswordlessSudo() {
            asked = true;
            return sudo;
        }

        @Override
        public int run(List<String> command, Consumer<String> output) {
            ran.add(command);
            saidBefore.add(err.toString());
            output.accept("Setting up dataset-fashion-mnist ...");
            int status = statuses.isEmpty() ? 0 : statuses.pop();
            if (status == 0 && writesFiles && command.contains("install")) {
                try {
                    IdxFiles.write(java.nio.file.Files.createDirectories(target), 24, 12, true);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return status;
        }
    }

    private int ensure(FakeHost host) {
        return DatasetInstall.ensureFashionMnist(dir, dir, host, new PrintWriter(err, true));
    }

    @Test
    void asRootItInstallsWithAptGetAndSaysSoFirst() {
        FakeHost host = new FakeHost(true, false);
        assertThat(DatasetInstall.installCommand(host)).contains(APT);

        assertThat(ensure(host)).isZero();
        assertThat(host.ran).containsExactly(APT);
        assertThat(host.saidBefore.get(0)).contains("installing").contains("apt-get install -y dataset-fashion-mnist");
        assertThat(err.toString()).contains("| Setting up dataset-fashion-mnist").contains("installed Fashion-MNIST");
    }

    @Test
    void withPasswordlessSudoItInstallsThroughSudoN() {
        FakeHost host = new FakeHost(false, true);
        List<String> sudo = new ArrayList<>(List.of("sudo", "-n"));
        sudo.addAll(APT);
        assertThat(DatasetInstall.installCommand(host)).contains(sudo);

        assertThat(ensure(host)).isZero();
        assertThat(host.ran).containsExactly(sudo);
        assertThat(host.saidBefore.get(0)).contains("sudo -n apt-get install -y dataset-fashion-mnist");
    }

    @Test
    void withNeitherItPrintsTheCommandAndExitsWithTwo() {
        FakeHost host = new FakeHost(false, false);
        assertThat(DatasetInstall.installCommand(host)).isEmpty();

        assertThat(ensure(host)).isEqualTo(LayerShuffleCli.EXIT_USAGE).isEqualTo(2);
        assertThat(host.ran).isEmpty();
        assertThat(err.toString()).contains("    sudo apt-get install dataset-fashion-mnist\n");
    }

    @Test
    void presentDataInstallsNothing() throws IOException {
        IdxFiles.write(dir, 24, 12, false);
        FakeHost host = new FakeHost(true, true);
        assertThat(ensure(host)).isZero();
        assertThat(host.asked).isFalse();
        assertThat(host.ran).isEmpty();
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void anotherDataDirectoryIsNeverInstalledInto() {
        FakeHost host = new FakeHost(true, true);
        Path other = dir.resolve("elsewhere");
        assertThatThrownBy(() -> DatasetInstall.ensureFashionMnist(other, dir, host, new PrintWriter(err)))
                .isInstanceOf(LayerShuffleException.class).hasMessageContaining(other.toString())
                .hasMessageContaining("train-images-idx3-ubyte");
        assertThat(host.ran).isEmpty();
    }

    @Test
    void aFailedInstallUpdatesThePackageListsAndTriesOnce() {
        FakeHost host = new FakeHost(true, false, 100, 0, 0);
        assertThat(ensure(host)).isZero();
        assertThat(host.ran).containsExactly(APT, List.of("apt-get", "update"), APT);

        FakeHost sudo = new FakeHost(false, true, 100, 0, 0);
        sudo.target = dir.resolve("x");
        assertThat(DatasetInstall.ensureFashionMnist(sudo.target, sudo.target, sudo, new PrintWriter(err))).isZero();
        assertThat(sudo.ran.get(1)).containsExactly("sudo", "-n", "apt-get", "update");
    }

    @Test
    void anInstallThatKeepsFailingNamesTheCommandAndStatus() {
        FakeHost host = new FakeHost(true, false, 100, 0, 100);
        assertThatThrownBy(() -> ensure(host)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("apt-get install -y dataset-fashion-mnist").hasMessageContaining("status 100");
        FakeHost noUpdate = new FakeHost(true, false, 100, 1);
        assertThatThrownBy(() -> ensure(noUpdate)).hasMessageContaining("apt-get update")
                .hasMessageContaining("status 1");
        assertThat(noUpdate.ran).hasSize(2);
    }

    @Test
    void anInstallThatLeavesNoFilesIsReported() {
        FakeHost host = new FakeHost(true, false);
        host.writesFiles = false;
        assertThatThrownBy(() -> ensure(host)).isInstanceOf(LayerShuffleException.class)
                .hasMessageContaining("lacks Fashion-MNIST");
    }
}
