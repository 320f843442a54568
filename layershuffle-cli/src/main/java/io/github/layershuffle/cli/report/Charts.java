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
     * The paper's Figure 5: a swarm plot of every random merge's top-1 accuracy per merge method, each in the
     * method's own order, beside the single fine-tuned models (same order) and the logit ensemble. Points of
     * one column that would overlap are spread sideways (a beeswarm).
     *
     * @throws LayerShuffleException if the file cannot be written
     */
    public static void merges(ExperimentResult result, Path png) {
        List<Variant> methods = result.settings().mergeMethods();
        XYSeriesCollection data = new XYSeriesCollection();
        XYSeries merged = new XYSeries("merged models", false, true);
        XYSeries single = new XYSeries("single models", false, true);
        XYSeries ensemble = new XYSeries("ensemble", false, true);
        for (int i = 0; i < methods.size(); i++) {
            Variant v = methods.get(i);
            boolean shuffled = v.shuffles();
            String order = shuffled ? Measurements.ARBITRARY : Measurements.SEQUENTIAL;
            swarm(merged, i, result.measurements().values(v, shuffled ? Measurements.MERGED_ARBITRARY
                    : Measurements.MERGED_SEQUENTIAL));
            swarm(single, i - 0.3, result.measurements().values(v, order));
            double right = i + 0.3;
            result.measurements().stat(v, shuffled ? Measurements.ENSEMBLE_ARBITRARY : Measurements.ENSEMBLE_SEQUENTIAL)
                    .ifPresent(e -> ensemble.add(right, 100 * e.mean()));
        }
        data.addSeries(merged);
        data.addSeries(single);
        data.addSeries(ensemble);
        SymbolAxis x = new SymbolAxis("method (own order: baseline sequential, shuffling methods random)",
                methods.stream().map(Variant::id).toArray(String[]::new));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(false, true);
        for (int i = 0; i < 3; i++) {
            renderer.setSeriesPaint(i, METHOD_COLORS[i]);
            renderer.setSeriesShape(i, new java.awt.geom.Ellipse2D.Double(-3, -3, 6, 6));
        }
        renderer.setSeriesShape(2, new java.awt.Rectangle(-5, -5, 10, 10));
        XYPlot plot = new XYPlot(data, x, percentAxis("test accuracy, top-1 (%)"), renderer);
        save(new JFreeChart("Random merges, every slot from another model (Fig. 5)", plot), png);
    }

    /**
     * Adds {@code values} (fractions) to {@code series} as a beeswarm around {@code center}: values within
     * 0.4 points of each other share a row and are spread sideways in turn.
     */
    static void swarm(XYSeries series, double center, List<Double> values) {
        List<Double> sorted = new java.util.ArrayList<>(values);
        sorted.sort(Double::compare);
        double rowStart = Double.NaN;
        int inRow = 0;
        for (double v : sorted) {
            double y = 100 * v;
            if (Double.isNaN(rowStart) || y - rowStart > 0.4) {
                rowStart = y;
                inRow = 0;
            }
            if ((inRow + 1) / 2 * 0.015 > 0.25) {
                inRow = 0; // a very full row wraps to the centre rather than reach the next column
            }
            int side = inRow % 2 == 0 ? 1 : -1;
            double offset = side * ((inRow + 1) / 2) * 0.015;
            series.add(center + offset, y);
            inRow++;
        }
    }

    /**
     * The validation accuracy after each epoch of the base training (and of the first fine-tuning run of each
     * method), to show whether it plateaued.
     *
     * @throws LayerShuffleException if the file cannot be written
     */
    public static void curves(ExperimentResult result, Path png) {
        XYSeriesCollection data = new XYSeriesCollection();
        List<String> runs = new java.util.ArrayList<>();
        runs.add("base");
        result.settings().methods().forEach(v -> runs.add(v.id() + "-s1"));
        for (String run : runs) {
            List<Double> curve = result.validationCurves().get(run);
            if (curve == null) {
                continue;
            }
            XYSeries series = new XYSeries(run, false, true);
            int offset = run.equals("base") ? 0 : result.validationCurves().getOrDefault("base", List.of()).size();
            for (int e = 0; e < curve.size(); e++) {
                series.add(offset + e + 1, 100 * curve.get(e));
            }
            data.addSeries(series);
        }
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < data.getSeriesCount(); i++) {
            renderer.setSeriesPaint(i, METHOD_COLORS[i % METHOD_COLORS.length]);
        }
        NumberAxis y = new NumberAxis("validation accuracy (%)");
        y.setAutoRangeIncludesZero(false);
        XYPlot plot = new XYPlot(data, new NumberAxis("epoch (fine-tuning continues after the base's last)"), y,
                renderer);
        save(new JFreeChart("Validation accuracy per epoch", plot), png);
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
