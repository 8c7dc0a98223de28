package diloco.experiments;

import diloco.report.Charts;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A suite's charts, drawn from its results.json alone (so committed results can be redrawn
 * without their runs): validation loss against inner steps, and for a sweep (workers, H, drop)
 * the final perplexity against the swept value. Reference rows from another suite (its
 * "1 worker" and "1 worker, 8x batch", seed 0, as the docs compare against) are drawn where the
 * comparison is the point. A sweep chart whose every series has a single point is not drawn.
 */
final class SuiteCharts {
    static final String LOSS = "loss-vs-steps.png";
    /** The rows a reference suite lends: one worker alone, and the data-parallel 8× batch. */
    static final List<String> REFERENCE_ROWS = List.of("1 worker", "1 worker, 8x batch");

    private SuiteCharts() {}

    /** Charts by file name, from {@code results} (a results.json) and optional {@code references} (another). */
    @SuppressWarnings("unchecked")
    static Map<String, byte[]> draw(Map<String, Object> results, Map<String, Object> references) throws IOException {
        String suite = (String) results.get("suite");
        List<Map<String, Object>> rows = (List<Map<String, Object>>) results.get("rows");
        List<Map<String, Object>> refs = referenceRows(results, references);
        Map<String, byte[]> charts = new LinkedHashMap<>();

        Map<String, List<double[]>> curves = new LinkedHashMap<>();
        for (Map<String, Object> r : rows) {
            curves.put((String) r.get("name"), curve(r, false));
        }
        for (Map<String, Object> r : refs) {
            curves.putIfAbsent(referenceName(r, references), curve(r, true));
        }
        charts.put(LOSS, Charts.lines("Validation loss, suite " + suite, "inner steps per worker",
                "validation loss (nats per byte)", Charts.of(curves), false, false));

        if (Report.clocked(suite)) { // each series on its own chart would hide the comparison: one chart, all rows
            Map<String, List<double[]>> byClock = new LinkedHashMap<>();
            Map<String, List<double[]>> byTokens = new LinkedHashMap<>();
            for (Map<String, Object> r : rows) {
                byClock.put((String) r.get("name"), curve(r, true, "clock_curve"));
                byTokens.put((String) r.get("name"), curve(r, true, "tokens_curve"));
            }
            charts.put("loss-vs-clock.png", Charts.lines("Validation loss against the clock, suite " + suite,
                    "clock (virtual seconds: a full-speed step is 1 s)", "validation loss (nats per byte)",
                    Charts.of(byClock), false, false));
            charts.put("loss-vs-tokens.png", Charts.lines("Validation loss against tokens, suite " + suite,
                    "tokens trained on, all workers", "validation loss (nats per byte)", Charts.of(byTokens), false, false));
        }
        String sweep = sweepOf(suite);
        if (sweep != null) {
            Map<String, List<double[]>> bySeries = new LinkedHashMap<>();
            Map<String, Object> baseline = rows.get(0);
            for (Map<String, Object> r : rows) {
                bySeries.computeIfAbsent((String) r.get("series"), k -> new ArrayList<>())
                        .add(new double[] {x(suite, r), ppl(r, false)});
            }
            if (sweep.equals("workers")) { // k=1 belongs to both series
                bySeries.values().forEach(points -> {
                    if (points.stream().noneMatch(p -> p[0] == 1) && x(suite, baseline) == 1) {
                        points.add(0, new double[] {1, ppl(baseline, false)});
                    }
                });
            }
            if (bySeries.values().stream().anyMatch(points -> points.size() >= 2)) {
                double lo = bySeries.values().stream().flatMap(List::stream).mapToDouble(p -> p[0]).min().orElse(0);
                double hi = bySeries.values().stream().flatMap(List::stream).mapToDouble(p -> p[0]).max().orElse(1);
                Map<String, List<double[]>> lines = new LinkedHashMap<>(bySeries);
                for (Map<String, Object> r : refs) { // flat across the swept range
                    double y = ppl(r, true);
                    lines.put(referenceName(r, references), List.of(new double[] {lo, y}, new double[] {hi, y}));
                }
                List<String> labels = new ArrayList<>();
                List<double[]> at = new ArrayList<>();
                for (List<double[]> points : bySeries.values()) {
                    for (double[] p : points) {
                        labels.add(label(sweep, p[0]));
                        at.add(p);
                    }
                }
                charts.put("ppl-vs-" + sweep + ".png", Charts.sweep("Final validation perplexity vs " + sweep + ", suite "
                        + suite, axisTitle(sweep), "validation perplexity (per byte)", Charts.of(lines),
                        bySeries.size(), sweep.equals("H"), labels, at));
            }
        }
        return charts;
    }

    /** The reference suite's comparison rows, unless this suite has them itself. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> referenceRows(Map<String, Object> results, Map<String, Object> references) {
        List<Map<String, Object>> out = new ArrayList<>();
        if (references == null) {
            return out;
        }
        List<Object> own = ((List<Map<String, Object>>) results.get("rows")).stream().map(r -> r.get("name")).toList();
        for (Map<String, Object> r : (List<Map<String, Object>>) references.get("rows")) {
            if (REFERENCE_ROWS.contains(r.get("name")) && !own.contains(r.get("name"))) {
                out.add(r);
            }
        }
        return out;
    }

    private static String referenceName(Map<String, Object> row, Map<String, Object> references) {
        String what = row.get("name").equals("1 worker") ? "1 worker, plain AdamW" : "8x batch, data parallel";
        return what + " (" + references.get("suite") + ", seed 0)";
    }

    /**
     * A row's validation curve: the seed mean (over the steps every seed evaluated), or for a
     * reference the seed-0 run alone, as the docs' tables compare against.
     */
    @SuppressWarnings("unchecked")
    static List<double[]> curve(Map<String, Object> row, boolean seed0) {
        return curve(row, seed0, "validation_curve");
    }

    /** The seed-mean of a row's curve {@code key} (validation_curve, clock_curve, tokens_curve) at the x all seeds have. */
    @SuppressWarnings("unchecked")
    static List<double[]> curve(Map<String, Object> row, boolean seed0, String key) {
        List<Map<String, Object>> runs = (List<Map<String, Object>>) row.get("runs");
        List<Map<String, Object>> used = seed0 ? runs.subList(0, 1) : runs;
        Map<Double, double[]> acc = new java.util.TreeMap<>();
        for (Map<String, Object> run : used) {
            for (List<Number> p : (List<List<Number>>) run.get(key)) {
                double[] a = acc.computeIfAbsent(p.get(0).doubleValue(), k -> new double[2]);
                a[0] += p.get(1).doubleValue();
                a[1]++;
            }
        }
        List<double[]> out = new ArrayList<>();
        acc.forEach((step, a) -> {
            if (a[1] == used.size()) {
                out.add(new double[] {step, a[0] / a[1]});
            }
        });
        return out;
    }

    /** A row's final perplexity: the seed mean, or for a reference the seed-0 run's. */
    @SuppressWarnings("unchecked")
    static double ppl(Map<String, Object> row, boolean seed0) {
        if (seed0) {
            return ((Number) ((List<Map<String, Object>>) row.get("runs")).get(0).get("final_val_ppl")).doubleValue();
        }
        return ((Number) row.get("final_val_ppl")).doubleValue();
    }

    /** The swept value of a row, read from its first run: k, H, or the drop probability. */
    @SuppressWarnings("unchecked")
    static double x(String suite, Map<String, Object> row) {
        Map<String, Object> run = ((List<Map<String, Object>>) row.get("runs")).get(0);
        switch (suite) {
            case "workers":
                return ((Number) run.get("workers")).doubleValue();
            case "H":
                return ((Number) run.get("inner_steps")).doubleValue();
            case "drop":
                List<String> args = (List<String>) run.get("args");
                int i = args.lastIndexOf("--drop-probability");
                return i < 0 ? 0 : Double.parseDouble(args.get(i + 1));
            default:
                return Double.NaN;
        }
    }

    private static String sweepOf(String suite) {
        return suite.equals("workers") || suite.equals("H") || suite.equals("drop") ? suite : null;
    }

    private static String axisTitle(String sweep) {
        return sweep.equals("workers") ? "workers k" : sweep.equals("H") ? "inner steps per round H (log scale)"
                : "probability that a worker's outer gradient is lost";
    }

    private static String label(String sweep, double x) {
        return sweep.equals("workers") ? "k=" + (int) x : sweep.equals("H") ? "H=" + (int) x
                : String.format(Locale.ROOT, "p=%s", x);
    }
}
