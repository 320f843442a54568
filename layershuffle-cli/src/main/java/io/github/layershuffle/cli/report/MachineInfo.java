package io.github.layershuffle.cli.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The machine a report's numbers were measured on: CPU model and cores (from {@code /proc/cpuinfo} and the
 * JVM), memory (from {@code /proc/meminfo}), Java and OS.
 *
 * @param cpuModel the CPU's model name, or "unknown"
 * @param cores    processors available to the JVM
 * @param memoryGiB physical memory in GiB, or NaN if unknown
 * @param java     Java version and vendor
 * @param os       operating system and architecture
 * @param threads  the PyTorch thread settings in effect ({@code OMP_NUM_THREADS}, {@code ai.djl.pytorch.num_threads}),
 *                 which decide how training shares the cores with other processes
 */
public record MachineInfo(String cpuModel, int cores, double memoryGiB, String java, String os, String threads) {

    /** The machine this JVM runs on. */
    public static MachineInfo current() {
        String cpu = "unknown";
        double memory = Double.NaN;
        try {
            for (String line : lines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    cpu = line.substring(line.indexOf(':') + 1).strip();
                    break;
                }
            }
            for (String line : lines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    String kb = line.replaceAll("[^0-9]", "");
                    memory = Long.parseLong(kb) / 1024.0 / 1024.0;
                    break;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or an unusual format: the fields stay unknown
        }
        return new MachineInfo(cpu, Runtime.getRuntime().availableProcessors(), memory,
                System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")",
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), threadSettings());
    }

    private static String threadSettings() {
        String omp = System.getenv("OMP_NUM_THREADS");
        String djl = System.getProperty("ai.djl.pytorch.num_threads");
        if (omp == null && djl == null) {
            return "PyTorch threads: default";
        }
        return "PyTorch threads: " + (djl != null ? "ai.djl.pytorch.num_threads=" + djl : "")
                + (djl != null && omp != null ? ", " : "") + (omp != null ? "OMP_NUM_THREADS=" + omp : "");
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.isReadable(file) ? Files.readAllLines(file) : List.of();
    }

    /** This machine with {@code newThreads} in place of the thread settings, e.g. where others ran the work. */
    public MachineInfo withThreads(String newThreads) {
        return new MachineInfo(cpuModel, cores, memoryGiB, java, os, newThreads);
    }

    /** One line, e.g. {@code 2 cores (AMD EPYC), 23.4 GiB memory, Java 17.0.9 (...), Linux amd64, PyTorch threads: default}. */
    public String describe() {
        return String.format(Locale.ROOT, "%d cores (%s), %s memory, Java %s, %s, %s", cores, cpuModel,
                Double.isNaN(memoryGiB) ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", memoryGiB), java, os,
                threads);
    }
}
