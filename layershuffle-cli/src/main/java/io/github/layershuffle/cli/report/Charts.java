package io.github.layershuffle.cli.report;

import io.github.layershuffle.api.LayerShuffleException;
import io.github.layershuffle.api.Variant;
import io.github.layershuffle.train.eval.Stat;
import io.github.layershuffle.cli.experiment.ExperimentResult;
import io.github.layershuffle.cli.experiment.Measurements;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.StatisticalBarRenderer;
import org.jfree.chart.renderer.xy.XYErrorRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.statistics.DefaultStatisticalCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

/**
 * The experiment's figures as PNG files, drawn with JFreeChart (headless). Accuracies are plotted in percent,
 * with mean ± standard deviation over seeds as error bars.
 *
 * <pre>{@code
 * Charts.pruning(result, true, Path.of("docs/figures/pruning-shuffled.png"));
 * }</pre>
 */
public final class Charts {
    private static final int WIDTH = 800;
    private static final int HEIGHT = 520;
    /** One colour per method, in the paper's order (Tableau 10: distinct on white). */
    private static final Color[] METHOD_COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2)};

    private Charts() {
    }

    /**
     * Table 1 as grouped bars: sequential and arbitrary accuracy per method.
     *
     * @throws LayerShuffleException if the file cannot be written
     */
    public static void table1(ExperimentResult result, Path png) {
        DefaultStatisticalCategoryDataset data = new DefaultStatisticalCategoryDataset();
        Measurements m = result.measurements();
        for (Variant v : result.settings().methods()) {
            add(data, m.stat(v, Measurements.SEQUENTIAL), "sequential", v.id());
            add(data, m.stat(v, Measurements.ARBITRARY), "arbitrary (random order per batch)", v.id());
        }
        NumberAxis y = percentAxis("test accuracy (%)");
        StatisticalBarRenderer renderer = new StatisticalBarRenderer();
        renderer.setSeriesPaint(0, METHOD_COLORS[0]);
        renderer.setSeriesPaint(1, METHOD_COLORS[1]);
        renderer.setErrorIndicatorPaint(Color.BLACK);
        CategoryPlot plot = new CategoryPlot(data, new org.jfree.chart.axis.CategoryAxis("method"), y, renderer);
        plot.setOrientation(PlotOrientation.VERTICAL);
        save(new JFreeChart("Sequential vs arbitrary block order (Table 1)", plot), png);
    }

    private static void add(DefaultStatisticalCategoryDataset data, Optional<Stat> s, String row, String column) {
        s.ifPresent(st -> data.add(100 * st.mean(), 100 * st.std(), row, column));
    }

    /**
     * Accuracy against blocks kept, one line per method (paper Figure 1b: {@code shuffled} false, the first
     * k blocks in order; Figure 1c: true, k random blocks in random order).
     *
     * @throws LayerShuffleException if the file cannot be written
     */
    public static void pruning(ExperimentResult result, boolean shuffled, Path png) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        for (Variant v : result.settings().methods()) {
            YIntervalSeries series = new YIntervalSeries(v.id());
            for (int k : result.settings().keeps()) {
                result.measurements().stat(v, Measurements.keep(k, shuffled)).ifPresent(s ->
                        series.add(k, 100 * s.mean(), 100 * (s.mean() - s.std()), 100 * (s.mean() + s.std())));
            }
            if (series.getItemCount() > 0) {
                data.addSeries(series);
            }
        }
        NumberAxis x = new NumberAxis("blocks kept");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        XYErrorRenderer renderer = new XYErrorRenderer();
        renderer.setDefaultLinesVisible(true);
        renderer.setDefaultShapesVisible(true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesStroke(i, new BasicStroke(2f));
            renderer.setSeriesPaint(i, METHOD_COLORS[i % METHOD_COLORS.length]);
        }
        XYPlot plot = new XYPlot(data, x, percentAxis("test accuracy (%)"), renderer);
        String title = shuffled ? "Pruning, random block order (Fig. 1c)" : "Pruning, original block order (Fig. 1b)";
        save(new JFreeChart(title, plot), png);
    }

    /**
     * One block's outputs on their first two principal components, coloured from light (slot 0, near the
     * input) to dark (last slot), as the paper's Figure 4.
     *
     * @throws LayerShuffleException if the file cannot be written
     */
    public static void probe(ExperimentResult.ProbePlot plotData, Variant method, int depth, Path png) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (int slot = 0; slot < depth; slot++) {
            data.addSeries(new XYSeries("slot " + slot, false, true));
        }
        for (int i = 0; i < plotData.xy().length; i++) {
            data.getSeries(plotData.slots()[i]).add(plotData.xy()[i][0], plotData.xy()[i][1]);
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        for (int slot = 0; slot < depth; slot++) {
            float t = depth == 1 ? 0 : (float) slot / (depth - 1);
            renderer.setSeriesPaint(slot, new Color(1 - 0.85f * t, 0.85f - 0.75f * t, 0.3f + 0.4f * t));
            renderer.setSeriesShape(slot, new java.awt.geom.Ellipse2D.Double(-2.5, -2.5, 5, 5));
        }
        XYPlot plot = new XYPlot(data, new NumberAxis("PC 1"), new NumberAxis("PC 2"), renderer);
        save(new JFreeChart(method.id() + ": block " + plotData.block() + " output by slot (PCA)", plot), png);
    }

    /**
     * Every random merge's accuracy as a dot per method (the paper's Figure 5), sequential or random order.
     *
     * @throws LayerShuffleException if the file cannot be written
     */
    public static void merges(ExperimentResult result, Path png) {
        List<Variant> methods = result.settings().methods();
        XYSeriesCollection data = new XYSeriesCollection();
        SplittableRandom jitter = new SplittableRandom(0);
        String[] orders = {Measurements.MERGED_SEQUENTIAL, Measurements.MERGED_ARBITRARY};
        for (String order : orders) {
            XYSeries series = new XYSeries(order.equals(Measurements.MERGED_SEQUENTIAL) ? "slot order" : "random order",
                    false, true);
            for (int i = 0; i < methods.size(); i++) {
                double offset = order.equals(Measurements.MERGED_SEQUENTIAL) ? -0.15 : 0.15;
                for (double v : result.measurements().values(methods.get(i), order)) {
                    series.add(i + offset + (jitter.nextDouble() - 0.5) * 0.1, 100 * v);
                }
            }
            data.addSeries(series);
        }
        SymbolAxis x = new SymbolAxis("method", methods.stream().map(Variant::id).toArray(String[]::new));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        renderer.setSeriesPaint(0, METHOD_COLORS[0]);
        renderer.setSeriesPaint(1, METHOD_COLORS[1]);
        XYPlot plot = new XYPlot(data, x, percentAxis("test accuracy (%)"), renderer);
        save(new JFreeChart("Random merges (Frankenstein models)", plot), png);
    }

    private static NumberAxis percentAxis(String label) {
        NumberAxis y = new NumberAxis(label);
        y.setRange(0, 100);
        return y;
    }

    private static void save(JFreeChart chart, Path png) {
        System.setProperty("java.awt.headless", "true");
        chart.setBackgroundPaint(Color.WHITE);
        chart.getPlot().setBackgroundPaint(Color.WHITE);
        if (chart.getPlot() instanceof XYPlot xy) {
            xy.setDomainGridlinePaint(Color.LIGHT_GRAY);
            xy.setRangeGridlinePaint(Color.LIGHT_GRAY);
        } else if (chart.getPlot() instanceof CategoryPlot cp) {
            cp.setRangeGridlinePaint(Color.LIGHT_GRAY);
        }
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ChartUtils.writeChartAsPNG(bytes, chart, WIDTH, HEIGHT);
            Path dir = png.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + png.getFileName(), ".tmp");
            try {
                Files.write(tmp, bytes.toByteArray());
                Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new LayerShuffleException("cannot write chart " + png + ": " + e.getMessage(), e);
        }
    }
}
