package io.github.layershuffle.cli.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.checkpoint.AtomicFiles;
import io.github.layershuffle.onnx.runtime.Recipe;
import io.github.layershuffle.train.eval.Stat;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The files of a search: one recipe per budget ({@code recipe-k03.yaml}, loadable by
 * {@link io.github.layershuffle.onnx.runtime.LayerShuffleModel#compose(Path)}), {@code summary.json},
 * {@code search.md} (a Markdown section with the command, machine and date) and {@code search.png} (test
 * accuracy against the number of blocks, and against the measured latency). Every row, fixed policies included,
 * runs on the first export's stem and head ({@link SearchComparison}); the files say so. Every file is written
 * atomically.
 */
public final class SearchOutput {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SearchOutput() {
    }

    /** The recipe file of budget {@code k} in {@code dir}. */
    public static Path recipeFile(Path dir, int k) {
        return dir.resolve(String.format(Locale.ROOT, "recipe-k%02d.yaml", k));
    }

    /** The recipe of a search result: the first export's stem and head, then the slots. */
    public static Recipe recipe(List<Path> exports, List<BlockRef> slots) {
        List<Recipe.Slot> s = new ArrayList<>();
        for (BlockRef r : slots) {
            s.add(new Recipe.Slot(exports.get(r.source()).toAbsolutePath(), r.block()));
        }
        Path first = exports.get(0).toAbsolutePath();
        return new Recipe(first, first, s);
    }

    /**
     * Writes all files into {@code dir} (created if missing).
     *
     * @param command the command line that made the results, for the report
     * @param machine one line naming the machine, for the report
     * @throws LayerShuffleException if a file cannot be written
     */
    public static void write(Path dir, List<Path> exports, List<SearchComparison> rows, String command,
                             String machine, String date) {
        try {
            Files.createDirectories(dir);
            ObjectNode root = JSON.createObjectNode();
            root.put("command", command).put("machine", machine).put("date", date);
            ArrayNode ex = root.putArray("exports");
            exports.forEach(p -> ex.add(p.toString()));
            root.put("stemAndHead", exports.get(0).toString());
            ArrayNode budgets = root.putArray("budgets");
            for (SearchComparison r : rows) {
                recipe(exports, r.recipe()).write(recipeFile(dir, r.budget()));
                ObjectNode b = budgets.addObject();
                b.put("budget", r.budget());
                b.put("recipe", r.recipe().toString());
                b.put("validationTop1", r.validation());
                b.put("testTop1", r.test());
                r.sequentialStat().ifPresent(s -> b.set("sequentialKeepTop1", s.toJson()));
                r.randomStat().ifPresent(s -> b.set("randomKeepTop1", s.toJson()));
                r.mergeStat().ifPresent(s -> b.set("randomMergeTop1", s.toJson()));
                b.put("bestFixedTop1", r.bestFixed());
                b.put("latencyMsBatch1", r.latencyMs());
                b.put("sequentialKeepLatencyMsBatch1", r.fixedLatencyMs());
            }
            AtomicFiles.writeString(dir.resolve("summary.json"), JSON.writeValueAsString(root) + "\n");
            AtomicFiles.writeString(dir.resolve("search.md"), markdown(rows, exports.get(0), command, machine, date));
            chart(rows, dir.resolve("search.png"), "Searched recipes vs fixed policies");
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write the search results to " + dir + ": " + e, e);
        }
    }

    /** The Markdown section: the table, the command, machine and date. */
    static String markdown(List<SearchComparison> rows, Path stemAndHead, String command, String machine,
                           String date) {
        StringBuilder md = new StringBuilder();
        md.append("| blocks | searched (validation) | searched (test) | sequential().keep(k) | random().keep(k) "
                + "| random merges | ms/image (batch 1) | recipe (export:block) |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (SearchComparison r : rows) {
            md.append(String.format(Locale.ROOT, "| %d | %.2f%% | %.2f%% | %s | %s | %s | %.3f | %s |\n",
                    r.budget(), 100 * r.validation(), 100 * r.test(),
                    r.sequentialStat().map(Stat::percent).orElse("—"), r.randomStat().map(Stat::percent).orElse("—"),
                    r.mergeStat().map(Stat::percent).orElse("—"), r.latencyMs(), r.recipe()));
        }
        md.append("\nTest accuracy unless marked; the search selected on validation images only. Every row runs on "
                + "the stem and head of export 0 (").append(stemAndHead.getFileName()).append("), fixed policies "
                + "included: the rows differ only in which blocks run, in which order. `")
                .append(command).append("`, ").append(machine).append(", ").append(date).append(".\n");
        return md.toString();
    }

    /**
     * Writes the chart: test accuracy against blocks run (left) and against the measured latency per image (right:
     * the searched recipe and the first export's {@code sequential().keep(k)}, the two whose latency was measured).
     *
     * @throws IOException if the file cannot be written
     */
    public static void chart(List<SearchComparison> rows, Path png, String title) throws IOException {
        XYSeriesCollection byBlocks = new XYSeriesCollection();
        XYSeries searched = new XYSeries("searched recipe");
        XYSeries sequential = new XYSeries("sequential().keep(k), mean");
        XYSeries random = new XYSeries("random().keep(k), mean");
        XYSeries merges = new XYSeries("random merges, mean");
        XYSeriesCollection byLatency = new XYSeriesCollection();
        XYSeries searchedMs = new XYSeries("searched recipe", false);
        XYSeries sequentialMs = new XYSeries("sequential().keep(k), first export", false);
        for (SearchComparison r : rows) {
            searched.add(r.budget(), 100 * r.test());
            r.sequentialStat().ifPresent(s -> sequential.add(r.budget(), 100 * s.mean()));
            r.randomStat().ifPresent(s -> random.add(r.budget(), 100 * s.mean()));
            r.mergeStat().ifPresent(s -> merges.add(r.budget(), 100 * s.mean()));
            if (Double.isFinite(r.latencyMs())) {
                searchedMs.add(r.latencyMs(), 100 * r.test());
            }
            if (Double.isFinite(r.fixedLatencyMs()) && !r.sequential().isEmpty()) {
                sequentialMs.add(r.fixedLatencyMs(), 100 * r.sequential().get(0));
            }
        }
        byBlocks.addSeries(searched);
        byBlocks.addSeries(sequential);
        byBlocks.addSeries(random);
        byBlocks.addSeries(merges);
        byLatency.addSeries(searchedMs);
        byLatency.addSeries(sequentialMs);
        System.setProperty("java.awt.headless", "true");
        JFreeChart left = chart(title + ": accuracy vs blocks", byBlocks, "blocks run");
        ((XYPlot) left.getPlot()).getDomainAxis().setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        JFreeChart right = chart("accuracy vs measured latency", byLatency, "ms per image (batch 1, median)");
        BufferedImage image = new BufferedImage(1400, 520, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            left.draw(g, new Rectangle2D.Double(0, 0, 760, 520));
            right.draw(g, new Rectangle2D.Double(760, 0, 640, 520));
        } finally {
            g.dispose();
        }
        Path tmp = Files.createTempFile(png.toAbsolutePath().getParent(), ".search", ".png");
        try {
            ImageIO.write(image, "png", tmp.toFile());
            Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static JFreeChart chart(String title, XYSeriesCollection data, String xLabel) {
        NumberAxis y = new NumberAxis("test accuracy (%)");
        y.setRange(0, 100);
        NumberAxis x = new NumberAxis(xLabel);
        x.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, x, y, new XYLineAndShapeRenderer(true, true));
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT.deriveFont(14f), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return chart;
    }
}
