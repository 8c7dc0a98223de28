package diloco.report;

import diloco.RoundMetrics;
import diloco.exchange.WorkerReport;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;

import javax.imageio.ImageIO;

/**
 * The two pictures a run draws of itself into its output directory, redrawn as rounds finish:
 * {@code loss.png} (inner and validation loss by round, tokens seen on a second axis; below, the
 * agreement of the workers' outer gradients) and
 * {@code time.png} (each round's seconds split into broadcast, inner steps, state sync,
 * aggregation, outer step and validation, stacked; below, each worker's inner steps per round as
 * bars, so a straggler and the others' idle time show).
 */
public final class RunCharts {
    public static final String LOSS = "loss.png";
    public static final String TIME = "time.png";
    private static final int WIDTH = 960;
    private static final int HEIGHT = 540;
    /** Height of the panel under each chart: per-worker bars, agreement. */
    private static final int PANEL_HEIGHT = 380;
    /** Rounds the per-worker bars show at most (the latest), so that bars stay readable. */
    static final int WORKER_ROUNDS = 40;

    private RunCharts() {}

    /**
     * Inner loss and validation loss by round (round 0: the initial model), tokens seen on the right
     * axis; below, the agreement of the workers' outer gradients by round.
     */
    public static byte[] loss(List<RoundMetrics> rounds, Double initialValLoss) throws IOException {
        BufferedImage losses = BitmapEncoder.getBufferedImage(losses(rounds, initialValLoss));
        List<double[]> agreement = new ArrayList<>();
        for (RoundMetrics m : rounds) {
            if (m.rates().outerGradAgreement() != null) {
                agreement.add(new double[] {m.round(), m.rates().outerGradAgreement()});
            }
        }
        if (agreement.isEmpty()) {
            return png(losses);
        }
        XYChart chart = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT)
                .title("Agreement of the workers' outer gradients: |mean D|^2 / mean |D_i|^2 (1 = all agree, 1/k = orthogonal)")
                .xAxisTitle("round").yAxisTitle("agreement").build();
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(1.0);
        add(chart, "agreement", agreement, 0, true);
        return png(stacked(losses, BitmapEncoder.getBufferedImage(chart)));
    }

    /** One picture: {@code top} above {@code bottom}. */
    private static BufferedImage stacked(BufferedImage top, BufferedImage bottom) {
        BufferedImage both = new BufferedImage(WIDTH, top.getHeight() + bottom.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.drawImage(top, 0, 0, null);
        g.drawImage(bottom, 0, top.getHeight(), null);
        g.dispose();
        return both;
    }

    private static XYChart losses(List<RoundMetrics> rounds, Double initialValLoss) {
        XYChart chart = chart("Loss by round", "round", "loss (nats per byte)");
        chart.setYAxisGroupTitle(0, "loss (nats per byte)");
        chart.setYAxisGroupTitle(1, "tokens seen");
        chart.getStyler().setYAxisGroupPosition(1, Styler.YAxisPosition.Right);
        List<double[]> inner = new ArrayList<>();
        List<double[]> val = new ArrayList<>();
        List<double[]> tokens = new ArrayList<>();
        if (initialValLoss != null) {
            val.add(new double[] {0, initialValLoss});
        }
        RoundMetrics.Participation first = rounds.isEmpty() ? null : rounds.get(0).participation();
        tokens.add(new double[] {0, first == null ? 0 : first.tokensTotal() - first.tokens()});
        for (RoundMetrics m : rounds) {
            if (m.losses().innerLoss() != null) {
                inner.add(new double[] {m.round(), m.losses().innerLoss()});
            }
            if (m.losses().valLoss() != null) {
                val.add(new double[] {m.round(), m.losses().valLoss()});
            }
            tokens.add(new double[] {m.round(), m.participation().tokensTotal()});
        }
        add(chart, "inner loss (mean over workers)", inner, 0, false);
        add(chart, "validation loss", val, 0, true);
        XYSeries t = add(chart, "tokens seen", tokens, 1, false);
        if (t != null) {
            double most = tokens.get(tokens.size() - 1)[1];
            chart.getStyler().setYAxisMin(1, 0.0);
            chart.getStyler().setYAxisMax(1, most > 0 ? most * 1.05 : 1.0); // the axis' own range clips the line
            t.setLineColor(Color.GRAY);
            t.setLineStyle(new java.awt.BasicStroke(1f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER,
                    10f, new float[] {6f, 4f}, 0f));
        }
        return chart;
    }

    /**
     * Each round's time, stacked by part (the parts add up to the round's wall time), above each
     * worker's inner steps in the last {@value #WORKER_ROUNDS} rounds, one bar per worker, above
     * each worker's task split into its parts over those rounds.
     */
    public static byte[] time(List<RoundMetrics> rounds) throws IOException {
        BufferedImage parts = BitmapEncoder.getBufferedImage(roundParts(rounds));
        if (rounds.isEmpty()) {
            return png(parts);
        }
        return png(stacked(stacked(parts, BitmapEncoder.getBufferedImage(workerBars(rounds))),
                BitmapEncoder.getBufferedImage(workerParts(rounds))));
    }

    /** The parts of a worker's task, in {@link WorkerReport.Parts#seconds()}'s order. */
    static final String[] TASK_PARTS = {"engine start", "state checkout", "θ upload", "inner steps", "Δ and encoding",
        "state commit"};

    /**
     * Each worker's task on its compute thread, by part (sec_engine … sec_commit in state_source),
     * the mean per round over the last {@value #WORKER_ROUNDS} rounds: a slow part shows whatever it is.
     */
    static CategoryChart workerParts(List<RoundMetrics> rounds) {
        List<RoundMetrics> shown = rounds.subList(Math.max(0, rounds.size() - WORKER_ROUNDS), rounds.size());
        TreeMap<Integer, double[]> byWorker = new TreeMap<>();
        for (RoundMetrics m : shown) {
            for (RoundMetrics.WorkerSource w : m.stateSource()) {
                double[] sum = byWorker.computeIfAbsent(w.worker(), k -> new double[TASK_PARTS.length]);
                double[] p = w.parts().seconds();
                for (int k = 0; k < p.length; k++) {
                    sum[k] += p[k] / shown.size();
                }
            }
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(PANEL_HEIGHT)
                .title("Each worker's task by part, mean per round" + (shown.size() < rounds.size() ? " (last "
                        + shown.size() + ")" : "")).xAxisTitle("worker").yAxisTitle("seconds (wall)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setStacked(true);
        List<String> x = byWorker.isEmpty() ? List.of("none")
                : byWorker.keySet().stream().map(w -> Integer.toString(w)).toList();
        for (int k = 0; k < TASK_PARTS.length; k++) {
            int part = k;
            chart.addSeries(TASK_PARTS[k], x, byWorker.isEmpty() ? List.of(0.0)
                    : byWorker.values().stream().map(v -> v[part]).toList());
        }
        return chart;
    }

    /**
     * Per round, each worker's seconds of inner steps on the run's clock (sec_clock; summed when an
     * asynchronous worker arrived twice in a round). In a synchronous round the gap between a bar
     * and the round's tallest is the time that worker waited.
     */
    static CategoryChart workerBars(List<RoundMetrics> rounds) {
        List<RoundMetrics> shown = rounds.subList(Math.max(0, rounds.size() - WORKER_ROUNDS), rounds.size());
        TreeMap<Integer, double[]> byWorker = new TreeMap<>();
        for (int i = 0; i < shown.size(); i++) {
            for (RoundMetrics.WorkerSource w : shown.get(i).stateSource()) {
                byWorker.computeIfAbsent(w.worker(), k -> new double[shown.size()])[i] += w.secClock();
            }
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(PANEL_HEIGHT)
                .title("Each worker's inner steps by round" + (shown.size() < rounds.size() ? " (last " + shown.size()
                        + ")" : "")).xAxisTitle("round").yAxisTitle("seconds (--clock)").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setOverlapped(false);
        chart.getStyler().setXAxisLabelRotation(shown.size() > 20 ? 90 : 0);
        List<String> x = shown.stream().map(m -> Integer.toString(m.round())).toList();
        byWorker.forEach((w, secs) -> chart.addSeries("worker " + w, x,
                Arrays.stream(secs).boxed().toList()));
        if (byWorker.isEmpty()) {
            chart.addSeries("no worker", x, Collections.nCopies(x.size(), 0.0));
        }
        return chart;
    }

    private static XYChart roundParts(List<RoundMetrics> rounds) {
        XYChart chart = chart("Time per round", "round", "seconds");
        String[] names = {"broadcast θ", "inner steps", "state sync", "aggregation (no worker computing)", "outer step",
                "validation"};
        double[][] parts = new double[names.length][rounds.size()];
        double[] x = new double[rounds.size()];
        for (int i = 0; i < rounds.size(); i++) {
            RoundMetrics m = rounds.get(i);
            x[i] = m.round();
            double[] p = parts(m);
            for (int k = 0; k < p.length; k++) {
                parts[k][i] = p[k];
            }
        }
        // stacked areas: the running totals, drawn from the largest down so each part shows its own band
        for (int k = names.length - 1; k >= 0; k--) {
            double[] top = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                for (int j = 0; j <= k; j++) {
                    top[i] += parts[j][i];
                }
            }
            if (x.length > 0) {
                XYSeries s = chart.addSeries(names[k], x, top);
                s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Area);
                s.setMarker(x.length == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            }
        }
        return chart;
    }

    /**
     * A round's seconds by part: broadcast, inner steps, state sync, aggregation, outer step,
     * validation. Inner steps are what remains of the round's wall time (the workers' compute,
     * with the scheduling around it), so the parts sum to {@code sec_round}.
     */
    public static double[] parts(RoundMetrics m) {
        RoundMetrics.Timings t = m.timings();
        double known = t.secBroadcast() + t.secStateSync() + t.secAggregate() + t.secOuter() + t.secEval();
        double inner = Math.max(0, t.secRound() - known);
        return new double[] {t.secBroadcast(), inner, t.secStateSync(), t.secAggregate(), t.secOuter(), t.secEval()};
    }

    private static XYChart chart(String title, String x, String y) {
        System.setProperty("java.awt.headless", "true"); // drawing needs no display
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("0");
        return chart;
    }

    private static XYSeries add(XYChart chart, String name, List<double[]> points, int axis, boolean markers) {
        if (points.isEmpty()) {
            return null;
        }
        XYSeries s = chart.addSeries(name, points.stream().mapToDouble(p -> p[0]).toArray(),
                points.stream().mapToDouble(p -> p[1]).toArray());
        s.setYAxisGroup(axis);
        s.setMarker(markers || points.size() == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        return s;
    }

    private static byte[] png(XYChart chart) throws IOException {
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    private static byte[] png(BufferedImage image) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
