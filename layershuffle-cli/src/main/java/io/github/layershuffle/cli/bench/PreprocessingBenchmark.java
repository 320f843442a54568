package io.github.layershuffle.cli.bench;

import io.github.layershuffle.api.ExecutionPolicy;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.ModelConfig;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.api.checkpoint.Checkpoint;
import io.github.layershuffle.api.checkpoint.Tensor;
import io.github.layershuffle.api.checkpoint.VitLayout;
import io.github.layershuffle.onnx.export.OnnxExporter;
import io.github.layershuffle.onnx.image.ImageInput;
import io.github.layershuffle.onnx.image.PixelBatch;
import io.github.layershuffle.onnx.runtime.LayerShuffleModel;
import io.github.layershuffle.onnx.runtime.RuntimeOptions;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;

/**
 * How fast {@link ImageInput} turns image files into pixels, beside how fast the model classifies them, so that a
 * host application sees which of the two limits it. For each case it writes {@code files} image files, then
 * times: decoding alone ({@link ImageInput#decode(Path)}), the whole preprocessing ({@link ImageInput#read(List)}:
 * decode, convert, resize, write the batch) on one thread and split over {@code threads} threads, and
 * {@code LayerShuffleModel.predict} of the resulting batch with {@code threads} intra-op threads. Each workload
 * first runs for a second, so that the JIT has compiled it; each figure is the median over rounds.
 *
 * <p>The images: Fashion-MNIST test images (the first {@code files}) as 8-bit grey PNGs; the larger ones are
 * those images enlarged, tinted and given seeded noise of +-16 levels, as RGB JPEGs (ImageIO's default quality,
 * 0.75), so that they compress about as much as a photograph does. Without the IDX file, seeded noise stands in
 * for the Fashion-MNIST images and the source says so.
 */
public final class PreprocessingBenchmark {
    private static final String TEST_IMAGES = "t10k-images-idx3-ubyte.gz";
    private static final long WARMUP_NANOS = 1_000_000_000L;

    /**
     * One kind of image file and the model that takes it.
     *
     * @param name   what the table calls it
     * @param model  the model's config (random weights: the speed does not depend on them)
     * @param width  of the files
     * @param height of the files
     * @param format {@code png} or {@code jpg}
     * @param fit    how {@link ImageInput} fits them to the model
     */
    public record Case(String name, ModelConfig model, int width, int height, String format, ImageInput.Fit fit) {
    }

    /**
     * The measurements of one case, in images per second.
     *
     * @param source          where the image content came from
     * @param files           images per batch (and files written)
     * @param meanFileBytes   mean size of a file
     * @param decode          {@link ImageInput#decode(Path)} alone, one thread
     * @param preprocess      {@link ImageInput#read(List)}, one thread
     * @param preprocessAll   {@link ImageInput#read(List)} on {@code threads} threads, each a share of the files
     * @param model           {@code predict} of the batch, every block in order
     * @param threads         the threads of {@code preprocessAll} and ONNX Runtime's intra-op threads
     */
    public record Row(Case c, String source, int files, double meanFileBytes, double decode, double preprocess,
                      double preprocessAll, double model, int threads) {
    }

    private PreprocessingBenchmark() {
    }

    /**
     * The cases of docs/PERFORMANCE.md: 28x28 grey PNGs for the Fashion-MNIST model, and 224x224 and 640x480 RGB
     * JPEGs (the latter centre-cropped) for a ViT-Ti/16-sized model (width 192, 12 blocks, 3 heads).
     */
    public static List<Case> defaultCases() {
        ModelConfig fashion = ModelConfig.builder().variant(Variant.LAYERSHUFFLE).build();
        ModelConfig tiny224 = ModelConfig.builder().imageSize(224).channels(3).patchSize(16).width(192).depth(12)
                .heads(3).mlpWidth(768).classes(10).variant(Variant.LAYERSHUFFLE).build();
        return List.of(new Case("28x28 grey PNG", fashion, 28, 28, "png", ImageInput.Fit.STRETCH),
                new Case("224x224 RGB JPEG", tiny224, 224, 224, "jpg", ImageInput.Fit.STRETCH),
                new Case("640x480 RGB JPEG, centre crop", tiny224, 640, 480, "jpg", ImageInput.Fit.CENTER_CROP));
    }

    /**
     * Writes the files and models of each case under {@code workDir} and measures them.
     *
     * @param fashionMnist the directory of Fashion-MNIST's IDX files (seeded noise if it lacks them)
     * @throws IllegalArgumentException if {@code files}, {@code rounds} or {@code threads} is below 1
     */
    public static List<Row> run(List<Case> cases, Path workDir, Path fashionMnist, int files, int rounds,
                                int threads) {
        return run(cases, workDir, fashionMnist, files, rounds, threads, WARMUP_NANOS);
    }

    /** As {@link #run(List, Path, Path, int, int, int)}, each workload first run for {@code warmupNanos}. */
    static List<Row> run(List<Case> cases, Path workDir, Path fashionMnist, int files, int rounds, int threads,
                         long warmupNanos) {
        if (files < 1 || rounds < 1 || threads < 1) {
            throw new IllegalArgumentException("files, rounds and threads must be >= 1, were " + files + ", "
                    + rounds + ", " + threads);
        }
        Path idx = fashionMnist.resolve(TEST_IMAGES);
        byte[][] sources = Files.isRegularFile(idx) ? fashionImages(idx, files) : noise(files);
        String source = Files.isRegularFile(idx) ? "Fashion-MNIST " + idx : "seeded noise (no " + idx + ")";
        RuntimeOptions options = RuntimeOptions.builder().intraOpThreads(threads).sharedThreadPool(threads > 1)
                .build();
        List<Row> rows = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int k = 0; k < cases.size(); k++) {
                Case c = cases.get(k);
                Path dir = workDir.resolve("preprocessing-" + k);
                List<Path> paths = write(c, sources, dir);
                double bytes = paths.stream().mapToLong(PreprocessingBenchmark::size).average().orElse(0);
                ImageInput input = ImageInput.builder(c.model()).optFit(c.fit()).build();
                double decode = perCall(() -> paths.forEach(input::decode), warmupNanos, rounds);
                double one = perCall(() -> input.read(paths), warmupNanos, rounds);
                double all = perCall(() -> parallel(pool, input, paths, threads), warmupNanos, rounds);
                Path export = OnnxExporter.builder().optOverwrite(true).build()
                        .export(randomCheckpoint(c.model()), dir.resolve("export"));
                double model;
                try (LayerShuffleModel m = LayerShuffleModel.load(export, options)) {
                    PixelBatch batch = input.read(paths);
                    model = perCall(() -> m.predict(batch, ExecutionPolicy.sequential()), warmupNanos, rounds);
                }
                rows.add(new Row(c, source, files, bytes, files / decode, files / one, files / all, files / model,
                        threads));
            }
        } finally {
            pool.shutdownNow();
        }
        return rows;
    }

    /** Seconds per call, median over rounds, after running the call for {@code warmupNanos} (so the JIT has). */
    private static double perCall(Runnable call, long warmupNanos, int rounds) {
        long end = System.nanoTime() + warmupNanos;
        do {
            call.run();
        } while (System.nanoTime() < end);
        return Timing.secondsPerCall(call, 0, rounds, 1);
    }

    private static void parallel(ExecutorService pool, ImageInput input, List<Path> paths, int threads) {
        List<Future<PixelBatch>> parts = new ArrayList<>();
        int per = (paths.size() + threads - 1) / threads;
        for (int from = 0; from < paths.size(); from += per) {
            List<Path> share = paths.subList(from, Math.min(paths.size(), from + per));
            parts.add(pool.submit(() -> input.read(share)));
        }
        for (Future<PixelBatch> f : parts) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new LayerShuffleException("preprocessing benchmark interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new LayerShuffleException("preprocessing failed: " + e.getCause(), e.getCause());
            }
        }
    }

    private static List<Path> write(Case c, byte[][] sources, Path dir) {
        try {
            Files.createDirectories(dir);
            SplittableRandom r = new SplittableRandom(11);
            List<Path> paths = new ArrayList<>();
            for (int i = 0; i < sources.length; i++) {
                BufferedImage image = c.model().channels() == 1 && c.width() == 28 && c.height() == 28
                        ? grey(sources[i]) : photo(sources[i], c.width(), c.height(), r);
                Path file = dir.resolve(String.format("image-%03d.%s", i, c.format()));
                if (!ImageIO.write(image, c.format(), file.toFile())) {
                    throw new LayerShuffleException("no ImageIO writer for " + c.format());
                }
                paths.add(file);
            }
            return paths;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark's images under " + dir, e);
        }
    }

    private static BufferedImage grey(byte[] pixels) {
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        image.getRaster().setDataElements(0, 0, 28, 28, pixels);
        return image;
    }

    /** A Fashion-MNIST image enlarged to {@code w x h}, tinted, with noise of +-16 levels. */
    private static BufferedImage photo(byte[] pixels, int w, int h, SplittableRandom r) {
        BufferedImage large = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = large.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(grey(pixels), 0, 0, w, h, null);
        g.dispose();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = large.getRaster().getSample(x, y, 0);
                int red = clamp(v * (128 + 127 * x / w) / 255 + 40 + r.nextInt(33) - 16);
                int green = clamp(v * 3 / 4 + 30 * y / h + r.nextInt(33) - 16);
                int blue = clamp((255 - v) / 2 + r.nextInt(33) - 16);
                out.setRGB(x, y, red << 16 | green << 8 | blue);
            }
        }
        return out;
    }

    private static int clamp(int v) {
        return Math.max(0, Math.min(255, v));
    }

    private static byte[][] fashionImages(Path idx, int n) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(idx));
             DataInputStream data = new DataInputStream(in)) {
            int magic = data.readInt();
            int count = data.readInt();
            int rows = data.readInt();
            int cols = data.readInt();
            if (magic != 0x803 || rows != 28 || cols != 28 || count < n) {
                throw new LayerShuffleException(idx + " is not an IDX file of at least " + n + " 28x28 images (magic "
                        + Integer.toHexString(magic) + ", " + count + " x " + rows + " x " + cols + ")");
            }
            byte[][] images = new byte[n][28 * 28];
            for (byte[] image : images) {
                data.readFully(image);
            }
            return images;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + idx, e);
        }
    }

    private static byte[][] noise(int n) {
        SplittableRandom r = new SplittableRandom(5);
        byte[][] images = new byte[n][28 * 28];
        for (byte[] image : images) {
            for (int i = 0; i < image.length; i++) {
                image[i] = (byte) r.nextInt(256);
            }
        }
        return images;
    }

    private static Checkpoint randomCheckpoint(ModelConfig config) {
        SplittableRandom r = new SplittableRandom(1);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        VitLayout.shapes(config).forEach((name, shape) -> {
            float[] data = new float[Math.toIntExact(Tensor.elementCount(shape))];
            boolean normWeight = name.contains("norm") && name.endsWith(".weight");
            for (int i = 0; i < data.length; i++) {
                data[i] = (normWeight ? 1 : 0) + (float) (0.02 * (r.nextDouble() * 2 - 1));
            }
            tensors.put(name, new Tensor(name, shape, data));
        });
        return new Checkpoint(config, "preprocessing-bench", Map.of(), tensors);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
