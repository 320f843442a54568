package io.github.layershuffle.cli.bench;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Resident memory of a composed model on ONNX Runtime, with and without an arena per session
 * ({@link RuntimeOptions#cpuArena()}). Each measurement runs in a fresh JVM whose Java heap is committed up front,
 * so that the growth it reports is the model's native memory: after loading, and after some calls at one batch
 * size. Linux only (reads {@code /proc/self/status}).
 */
public final class MemoryBenchmark {
    private static final String PREFIX = "rss-kib ";

    /**
     * One measurement.
     *
     * @param batch    images per call
     * @param cpuArena whether each session had an arena of its own
     * @param loadKiB  resident memory added by loading the model, KiB
     * @param callsKiB resident memory added by the calls after loading, KiB
     */
    public record Row(int batch, boolean cpuArena, long loadKiB, long callsKiB) {
    }

    /**
     * One graph-against-composition measurement, each in a fresh JVM.
     *
     * @param composed   the per-block export composed by {@link LayerShuffleModel} (default options), or else
     *                   {@code model.onnx} in one ONNX Runtime session (ONNX Runtime's default options)
     * @param loadKiB    resident memory added by loading, KiB
     * @param callsKiB   resident memory added by the calls after loading, KiB
     * @param loadMillis wall time of loading, ms
     */
    public record GraphRow(boolean composed, long loadKiB, long callsKiB, double loadMillis) {
    }

    private MemoryBenchmark() {
    }

    /**
     * Resident memory and load time of the composed export (an arena per session if {@code cpuArena}) against
     * its {@code model.onnx} (an export made with {@code optFullModel(true)}), each in a child JVM running
     * {@code calls} calls at {@code batch}; composed first, then one graph.
     *
     * @throws LayerShuffleException if a child JVM fails, naming its command and output
     */
    public static List<GraphRow> compareGraphs(Path export, int batch, int calls, boolean cpuArena) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<GraphRow> rows = new ArrayList<>();
        for (String mode : new String[] {"composed", "full"}) {
            List<String> command = List.of(java, "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-cp",
                    System.getProperty("java.class.path"), MemoryBenchmark.class.getName(), export.toString(),
                    Integer.toString(batch), Boolean.toString(cpuArena), Integer.toString(calls), mode);
            long[] kib = probe(command);
            rows.add(new GraphRow(mode.equals("composed"), kib[1] - kib[0], kib[2] - kib[1], kib[3] / 1000.0));
        }
        return rows;
    }

    /**
     * Measures the export at each batch size, arenas off and on, each in a child JVM running {@code calls} calls
     * with random plans.
     *
     * @throws LayerShuffleException if a child JVM fails, naming its command and output
     */
    public static List<Row> run(Path export, int[] batches, int calls) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<Row> rows = new ArrayList<>();
        for (int batch : batches) {
            for (boolean arena : new boolean[] {false, true}) {
                List<String> command = List.of(java, "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-cp",
                        System.getProperty("java.class.path"), MemoryBenchmark.class.getName(), export.toString(),
                        Integer.toString(batch), Boolean.toString(arena), Integer.toString(calls));
                long[] kib = probe(command);
                rows.add(new Row(batch, arena, kib[1] - kib[0], kib[2] - kib[1]));
            }
        }
        return rows;
    }

    private static long[] probe(List<String> command) {
        try {
            Path log = Files.createTempFile("layershuffle-memory", ".log");
            try {
                Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                if (!p.waitFor(10, TimeUnit.MINUTES)) {
                    p.destroyForcibly();
                    throw new LayerShuffleException("memory probe timed out: " + String.join(" ", command));
                }
                List<String> out = Files.readAllLines(log, StandardCharsets.UTF_8);
                for (String line : out) {
                    if (line.startsWith(PREFIX)) {
                        String[] f = line.substring(PREFIX.length()).trim().split(" ");
                        long[] v = new long[f.length];
                        for (int i = 0; i < f.length; i++) {
                            v[i] = Long.parseLong(f[i]);
                        }
                        return v;
                    }
                }
                throw new LayerShuffleException("memory probe exited with " + p.exitValue() + " and no result: "
                        + String.join(" ", command) + "\n" + String.join("\n", out));
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new LayerShuffleException("cannot run the memory probe: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LayerShuffleException("interrupted while waiting for the memory probe", e);
        }
    }

    /**
     * The probe: {@code EXPORT BATCH ARENA CALLS [composed|full]}; prints resident KiB before loading, after
     * loading and after the calls, and the load time in microseconds.
     */
    public static void main(String[] args) throws IOException, ai.onnxruntime.OrtException {
        Path export = Path.of(args[0]);
        int batch = Integer.parseInt(args[1]);
        boolean arena = Boolean.parseBoolean(args[2]);
        int calls = Integer.parseInt(args[3]);
        if (args.length > 4 && args[4].equals("full")) {
            fullGraph(export, batch, calls);
            return;
        }
        long before = residentKiB();
        long start = System.nanoTime();
        try (LayerShuffleModel model = LayerShuffleModel.load(export,
                RuntimeOptions.builder().cpuArena(arena).build())) {
            long micros = (System.nanoTime() - start) / 1000;
            long loaded = residentKiB();
            int side = model.config().imageSize();
            float[][][][] images = new float[batch][model.config().channels()][side][side];
            for (int i = 0; i < calls; i++) {
                model.predict(images, ExecutionPolicy.random(i));
            }
            System.out.println(PREFIX + before + " " + loaded + " " + residentKiB() + " " + micros);
        }
    }

    private static void fullGraph(Path export, int batch, int calls) throws IOException, ai.onnxruntime.OrtException {
        ai.onnxruntime.OrtEnvironment env = ai.onnxruntime.OrtEnvironment.getEnvironment();
        io.github.layershuffle.api.ModelConfig config = io.github.layershuffle.api.ModelConfig.fromJsonNode(
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(export.resolve("manifest.json").toFile())
                        .get("config"));
        int side = config.imageSize();
        long[] shape = {batch, config.channels(), side, side};
        float[] pixels = new float[(int) (shape[0] * shape[1] * shape[2] * shape[3])];
        long before = residentKiB();
        long start = System.nanoTime();
        try (ai.onnxruntime.OrtSession.SessionOptions so = new ai.onnxruntime.OrtSession.SessionOptions()) {
            so.setIntraOpNumThreads(1);
            try (ai.onnxruntime.OrtSession session = env.createSession(export.resolve("model.onnx").toString(), so)) {
                long micros = (System.nanoTime() - start) / 1000;
                long loaded = residentKiB();
                for (int i = 0; i < calls; i++) {
                    try (ai.onnxruntime.OnnxTensor input = ai.onnxruntime.OnnxTensor.createTensor(env,
                            java.nio.FloatBuffer.wrap(pixels), shape);
                         ai.onnxruntime.OrtSession.Result r = session.run(java.util.Map.of("pixels", input))) {
                        r.get(0).getValue();
                    }
                }
                System.out.println(PREFIX + before + " " + loaded + " " + residentKiB() + " " + micros);
            }
        }
    }

    private static long residentKiB() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        throw new IOException("/proc/self/status has no VmRSS line");
    }
}
