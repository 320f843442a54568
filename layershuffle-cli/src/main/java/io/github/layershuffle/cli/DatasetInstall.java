package io.github.layershuffle.cli;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.train.data.FashionMnist;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Installs Debian's {@code dataset-fashion-mnist} package when Fashion-MNIST is missing from its default
 * directory, so that {@code demo} and {@code experiment} work on a fresh machine: with {@code apt-get} as root,
 * through {@code sudo -n} where that needs no password, and otherwise by printing the one command to run.
 *
 * <p>The machine is reached through a {@link Host}, so that the decision can be tested without running anything.
 */
final class DatasetInstall {
    /** The Debian package holding Fashion-MNIST's IDX files under {@link FashionMnist#DEFAULT_DIRECTORY}. */
    static final String PACKAGE = "dataset-fashion-mnist";
    /** What a user without root or password-less sudo is told to run. */
    static final String MANUAL_COMMAND = "sudo apt-get install " + PACKAGE;

    private DatasetInstall() {
    }

    /** The machine: who runs this process, and how a command runs. */
    interface Host {
        /** Whether this process runs as root. */
        boolean isRoot();

        /** Whether {@code sudo -n} can run commands without asking for a password. */
        boolean hasPasswordlessSudo();

        /** Runs {@code command}, handing each line it prints to {@code output}, and returns its exit status. */
        int run(List<String> command, Consumer<String> output);

        /** This machine, through {@link ProcessBuilder}. */
        static Host system() {
            return new SystemHost();
        }
    }

    /**
     * The commands that install the package on {@code host}, empty when it cannot without the user: as root
     * {@code apt-get install -y}, else the same through {@code sudo -n}.
     */
    static Optional<List<String>> installCommand(Host host) {
        List<String> apt = List.of("apt-get", "install", "-y", PACKAGE);
        if (host.isRoot()) {
            return Optional.of(apt);
        }
        if (host.hasPasswordlessSudo()) {
            List<String> sudo = new ArrayList<>(List.of("sudo", "-n"));
            sudo.addAll(apt);
            return Optional.of(sudo);
        }
        return Optional.empty();
    }

    /**
     * Makes sure Fashion-MNIST is in {@code dir}: does nothing when it is there, installs the package when
     * {@code dir} is the package's directory ({@link FashionMnist#DEFAULT_DIRECTORY}) and this process may, and
     * otherwise tells the user what to run. Says on {@code err} what it does before it does it.
     *
     * @return 0 when the data is there (now), {@link LayerShuffleCli#EXIT_USAGE} when the user has to install it
     * @throws LayerShuffleException naming {@code dir} when another directory lacks the files, or naming the
     *                               command and its exit status when the installation failed
     */
    static int ensureFashionMnist(Path dir, Host host, PrintWriter err) {
        return ensureFashionMnist(dir, FashionMnist.DEFAULT_DIRECTORY, host, err);
    }

    /** As {@link #ensureFashionMnist(Path, Host, PrintWriter)}, the package installing into {@code packageDir}. */
    static int ensureFashionMnist(Path dir, Path packageDir, Host host, PrintWriter err) {
        if (FashionMnist.isPresent(dir)) {
            return 0;
        }
        if (!dir.equals(packageDir)) {
            throw new LayerShuffleException("Fashion-MNIST not found in " + dir + ": --data DIR must hold "
                    + "train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz), t10k-images-idx3-ubyte(.gz) and "
                    + "t10k-labels-idx1-ubyte(.gz); leave --data out to use Debian's package, installed when missing (by "
                    + "hand: `" + MANUAL_COMMAND + "`)");
        }
        Optional<List<String>> command = installCommand(host);
        if (command.isEmpty()) {
            err.println("Fashion-MNIST is not installed (" + dir + "), and installing it needs root. Run:");
            err.println();
            err.println("    " + MANUAL_COMMAND);
            err.println();
            err.println("then this command again (or pass --data DIR holding the four IDX files).");
            err.flush();
            return LayerShuffleCli.EXIT_USAGE;
        }
        List<String> install = command.get();
        err.println("Fashion-MNIST is not installed (" + dir + "); installing Debian's " + PACKAGE
                + " package (about 30 MB): " + String.join(" ", install));
        err.flush();
        int status = run(host, install, err);
        if (status != 0) {
            // a fresh machine may have no package lists yet
            List<String> update = new ArrayList<>(install.subList(0, install.indexOf("apt-get")));
            update.addAll(List.of("apt-get", "update"));
            err.println("the installation failed (exit status " + status + "); updating the package lists and "
                    + "trying once more: " + String.join(" ", update));
            err.flush();
            int updated = run(host, update, err);
            status = updated != 0 ? updated : run(host, install, err);
            if (status != 0) {
                throw new LayerShuffleException("could not install " + PACKAGE + ": `" + String.join(" ",
                        updated != 0 ? update : install) + "` exited with status " + status + "; install it by hand ("
                        + MANUAL_COMMAND + ") or pass --data DIR");
            }
        }
        if (!FashionMnist.isPresent(dir)) {
            throw new LayerShuffleException(PACKAGE + " is installed but " + dir + " lacks Fashion-MNIST's four IDX "
                    + "files; pass --data DIR holding them");
        }
        err.println("installed Fashion-MNIST in " + dir);
        err.flush();
        return 0;
    }

    private static int run(Host host, List<String> command, PrintWriter err) {
        return host.run(command, line -> {
            err.println("  | " + line);
            err.flush();
        });
    }

    /** The real machine. */
    private static final class SystemHost implements Host {
        @Override
        public boolean isRoot() {
            return "0".equals(output(List.of("id", "-u")));
        }

        @Override
        public boolean hasPasswordlessSudo() {
            return output(List.of("sudo", "-n", "true")) != null;
        }

        @Override
        public int run(List<String> command, Consumer<String> output) {
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    r.lines().forEach(output);
                }
                return p.waitFor();
            } catch (IOException e) {
                throw new LayerShuffleException("could not run " + String.join(" ", command), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LayerShuffleException("interrupted while running " + String.join(" ", command), e);
            }
        }

        /** The command's output when it exits with 0 within ten seconds, else null (also when it is missing). */
        private static String output(List<String> command) {
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
                byte[] out = p.getInputStream().readNBytes(4096);
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return null;
                }
                return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8).strip() : null;
            } catch (IOException e) {
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
