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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
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
 * accuracy against the number of blocks). Every file is written atomically.
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
            ArrayNode budgets = root.putArray("budgets");
            for (SearchComparison r : rows) {
                recipe(exports, r.recipe()).write(recipeFile(dir, r.budget()));
                ObjectNode b = budgets.addObject();
                b.put("budget", r.budget());
                b.put("recipe", r.recipe().toString());
                b.put("validationTop1", r.validation());
                b.put("testTop1", r.test());
                r.sequential().ifPresent(s -> b.set("sequentialKeepTop1", s.toJson()));
                b.set("randomKeepTop1", r.random().toJson());
                b.set("randomMergeTop1", r.merges().toJson());
                b.put("latencyMsBatch1", r.latencyMs());
            }
            AtomicFiles.writeString(dir.resolve("summary.json"), JSON.writeValueAsString(root) + "\n");
            AtomicFiles.writeString(dir.resolve("search.md"), markdown(rows, command, machine, date));
            chart(rows, dir.resolve("search.png"));
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write the search results to " + dir + ": " + e, e);
        }
    }

    /** The Markdown section: the table, the command, machine and date. */
    static String markdown(List<SearchComparison> rows, String command, String machine, String date) {
        StringBuilder md = new StringBuilder();
        md.append("| blocks | searched (validation) | searched (test) | sequential().keep(k) | random().keep(k) "
                + "| random merges | ms/image (batch 1) | recipe (export:block) |\n");
        md.append("|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (SearchComparison r : rows) {
            md.append(String.format(Locale.ROOT, "| %d | %.2f%% | %.2f%% | %s | %s | %s | %.3f | %s |\n",
                    r.budget(), 100 * r.validation(), 100 * r.test(),
                    r.sequential().map(Stat::percent).orElse("—"), r.random().count() == 0 ? "—" : r.random().percent(),
                    r.merges().percent(), r.latencyMs(), r.recipe()));
        }
        md.append("\nTest accuracy unless marked; the search selected on validation images only. `")
                .append(command).append("`, ").append(machine).append(", ").append(date).append(".\n");
        return md.toString();
    }

    private static void chart(List<SearchComparison> rows, Path png) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeries searched = new XYSeries("searched recipe");
        XYSeries sequential = new XYSeries("sequential().keep(k), mean");
        XYSeries random = new XYSeries("random().keep(k), mean");
        XYSeries merges = new XYSeries("random merges, mean");
        for (SearchComparison r : rows) {
            searched.add(r.budget(), 100 * r.test());
            r.sequential().ifPresent(s -> sequential.add(r.budget(), 100 * s.mean()));
            if (r.random().count() > 0) {
                random.add(r.budget(), 100 * r.random().mean());
            }
            merges.add(r.budget(), 100 * r.merges().mean());
        }
        data.addSeries(searched);
        data.addSeries(sequential);
        data.addSeries(random);
        data.addSeries(merges);
        NumberAxis y = new NumberAxis("test accuracy (%)");
        y.setRange(0, 100);
        XYPlot plot = new XYPlot(data, new NumberAxis("blocks run"), y, new XYLineAndShapeRenderer(true, true));
        System.setProperty("java.awt.headless", "true");
        JFreeChart chart = new JFreeChart("Searched recipes vs fixed policies", plot);
        chart.setBackgroundPaint(Color.WHITE);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        Path tmp = Files.createTempFile(png.toAbsolutePath().getParent(), ".search", ".png");
        try {
            ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 800, 520);
            Files.move(tmp, png, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
