package diloco.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/** PNG line charts drawn with XChart: a suite's results, a run's loss and time. */
public final class Charts {
    private static final int WIDTH = 960;
    private static final int HEIGHT = 600;

    private Charts() {}

    /** A named set of (x, y) points. */
    public static final class Series {
        final String name;
        final double[] x;
        final double[] y;

        public Series(String name, List<double[]> points) {
            this.name = name;
            this.x = points.stream().mapToDouble(p -> p[0]).toArray();
            this.y = points.stream().mapToDouble(p -> p[1]).toArray();
        }
    }

    public static byte[] lines(String title, String xLabel, String yLabel, List<Series> series, boolean logX, boolean markers)
            throws IOException {
        XYChart chart = chart(title, xLabel, yLabel, logX);
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            if (s.x.length == 0) {
                continue;
            }
            XYSeries xy = chart.addSeries(s.name, s.x, s.y);
            xy.setMarker(markers || s.x.length == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
            for (double y : s.y) {
                if (Double.isFinite(y)) {
                    low = Math.min(low, y);
                    high = Math.max(high, y);
                }
            }
        }
        if (low < high) { // a margin, so that markers at the extremes are drawn whole
            double pad = 0.04 * (high - low);
            chart.getStyler().setYAxisMin(low - pad);
            chart.getStyler().setYAxisMax(high + pad);
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * A sweep: the first {@code measured} series are measured points (markers, joined by thin
     * dashed lines: nothing was measured between them), each labelled; the others are reference
     * lines, drawn solid without markers.
     */
    public static byte[] sweep(String title, String xLabel, String yLabel, List<Series> series, int measured, boolean logX,
            List<String> labels, List<double[]> at) throws IOException {
        XYChart chart = chart(title, xLabel, yLabel, logX);
        boolean whole = series.stream().limit(measured).flatMapToDouble(s -> java.util.Arrays.stream(s.x))
                .allMatch(x -> x == Math.rint(x));
        if (!logX && whole) { // swept over whole numbers (k): a tick at k = 1.5 says nothing
            chart.setCustomXAxisTickLabelsFormatter(x -> x == Math.rint(x) ? Long.toString(Math.round(x)) : "");
        }
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            XYSeries xy = chart.addSeries(s.name, s.x, s.y);
            if (i < measured) {
                xy.setMarker(SeriesMarkers.CIRCLE);
                xy.setLineStyle(new java.awt.BasicStroke(1f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER,
                        10f, new float[] {4f, 4f}, 0f));
            } else {
                xy.setMarker(SeriesMarkers.NONE);
                xy.setLineStyle(new java.awt.BasicStroke(2f));
            }
            for (double y : s.y) {
                low = Math.min(low, y);
                high = Math.max(high, y);
            }
        }
        double pad = low < high ? 0.06 * (high - low) : 0.01;
        chart.getStyler().setYAxisMin(low - pad);
        chart.getStyler().setYAxisMax(high + 2 * pad);
        for (int i = 0; i < labels.size(); i++) {
            chart.addAnnotation(new org.knowm.xchart.AnnotationText(labels.get(i), at.get(i)[0], at.get(i)[1] + pad, false));
        }
        return BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
    }

    private static XYChart chart(String title, String xLabel, String yLabel, boolean logX) {
        System.setProperty("java.awt.headless", "true"); // drawing needs no display
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisLogarithmic(logX);
        chart.getStyler().setYAxisDecimalPattern("0.000");
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        return chart;
    }

    public static List<Series> of(Map<String, List<double[]>> bySeries) {
        return bySeries.entrySet().stream().map(e -> new Series(e.getKey(), e.getValue())).toList();
    }
}
