package diloco.experiments;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A suite's results: one row per configuration, averaged over seeds (with the spread), relative
 * to the suite's baseline (its first configuration). Markdown for people, JSON for programs.
 */
final class Report {
    /** One configuration over its seeds. */
    static final class Row {
        final RunSpec spec;
        final List<RunResult> seeds;

        Row(RunSpec spec, List<RunResult> seeds) {
            this.spec = spec;
            this.seeds = seeds;
        }

        RunResult first() {
            return seeds.get(0);
        }

        double meanLoss() {
            return seeds.stream().mapToDouble(RunResult::finalValLoss).average().orElse(Double.NaN);
        }

        /** Half the range of the final loss over seeds (0 with one seed). */
        double spread() {
            double min = seeds.stream().mapToDouble(RunResult::finalValLoss).min().orElse(0);
            double max = seeds.stream().mapToDouble(RunResult::finalValLoss).max().orElse(0);
            return (max - min) / 2;
        }

        double ppl() {
            return Math.exp(meanLoss());
        }

        /** The seeds' mean bits per byte of the validation text: comparable across tokenizers. */
        double meanBitsPerByte() {
            return seeds.stream().map(RunResult::finalValBitsPerByte).mapToDouble(v -> v == null ? Double.NaN : v)
                    .average().orElse(Double.NaN);
        }

        double meanSeconds() {
            return seeds.stream().mapToDouble(RunResult::secTotal).average().orElse(0);
        }

        /** The seed-mean validation curve over the inner steps every seed evaluated at. */
        List<double[]> meanCurve() {
            TreeMap<Double, double[]> acc = new TreeMap<>();
            for (RunResult r : seeds) {
                for (double[] p : r.validationCurve()) {
                    double[] a = acc.computeIfAbsent(p[0], k -> new double[2]);
                    a[0] += p[1];
                    a[1] += 1;
                }
            }
            List<double[]> out = new ArrayList<>();
            acc.forEach((x, a) -> {
                if (a[1] == seeds.size()) {
                    out.add(new double[] {x, a[0] / a[1]});
                }
            });
            return out;
        }
    }

    private Report() {}

    /**
     * A row against its series' first row (the synchronous run) on the run's clock, seed 0: when it
     * ended, when it first reached the first row's final validation loss, and its validation loss
     * at the clock time the series' quickest run ended.
     *
     * @param clockEnd       the clock at its last round
     * @param reachClock     the clock of its first validation at or below the first row's final loss; NaN if never
     * @param reachFraction  reachClock ÷ the first row's clockEnd
     * @param equalClock     the clock time compared at: the least clockEnd in the series
     * @param lossAtEqualClock its last validation loss at or before equalClock
     * @param vsBaseline     its final loss relative to the first row's (equal tokens), e.g. +0.01 = 1% higher
     */
    record AgainstClock(double clockEnd, double reachClock, double reachFraction, double equalClock,
            double lossAtEqualClock, double vsBaseline) {

        /** Per row (in order), each against the first row of its series. */
        static List<AgainstClock> of(List<Row> rows) {
            Map<String, List<Row>> series = new LinkedHashMap<>();
            rows.forEach(r -> series.computeIfAbsent(r.spec.series(), k -> new ArrayList<>()).add(r));
            Map<Row, AgainstClock> out = new IdentityHashMap<>();
            for (List<Row> members : series.values()) {
                Row base = members.get(0);
                List<double[]> baseCurve = base.first().curveBy("clock");
                double target = base.first().finalValLoss();
                double baseEnd = baseCurve.get(baseCurve.size() - 1)[0];
                double equal = members.stream().mapToDouble(r -> last(r.first().curveBy("clock"))[0]).min().orElse(0);
                for (Row r : members) {
                    List<double[]> c = r.first().curveBy("clock");
                    double reach = Double.NaN;
                    double atEqual = Double.NaN;
                    for (double[] p : c) {
                        if (Double.isNaN(reach) && p[1] <= target) {
                            reach = p[0];
                        }
                        if (p[0] <= equal * (1 + 1e-12)) {
                            atEqual = p[1];
                        }
                    }
                    out.put(r, new AgainstClock(last(c)[0], reach, reach / baseEnd, equal, atEqual,
                            r.first().finalValLoss() / target - 1));
                }
            }
            return rows.stream().map(out::get).toList();
        }

        private static double[] last(List<double[]> curve) {
            return curve.get(curve.size() - 1);
        }
    }

    /** The clock section of a suite whose runs keep a clock (heterogeneous). */
    static String againstTheClock(List<Row> rows) {
        List<AgainstClock> a = AgainstClock.of(rows);
        StringBuilder sb = new StringBuilder("\n## Against the clock\n\n");
        sb.append("Seed 0. Clock: the runs' --clock (virtual: a full-speed worker's step is 1 s). Each row is compared with ")
                .append("the first of its series (synchronous DiLoCo): the clock at which it first validated at or below ")
                .append("that row's final loss, and its validation loss at the clock time the series' quickest run ended ")
                .append("(last validation at or before it). All rows of a series train on the same number of tokens.\n\n");
        sb.append("| configuration | clock at end | final val loss | vs sync (equal tokens) | clock to sync's final loss | ")
                .append("% of sync's clock | val loss at equal clock |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- |\n");
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            AgainstClock c = a.get(i);
            sb.append(String.format(Locale.ROOT, "| %s | %,.0f s | %.4f | %+.2f%% | %s | %s | %.4f (at %,.0f s) |%n",
                    r.spec.name(), c.clockEnd(), r.first().finalValLoss(), c.vsBaseline() * 100,
                    Double.isNaN(c.reachClock()) ? "not reached" : String.format(Locale.ROOT, "%,.0f s", c.reachClock()),
                    Double.isNaN(c.reachFraction()) ? "—" : String.format(Locale.ROOT, "%.0f%%", c.reachFraction() * 100),
                    c.lossAtEqualClock(), c.equalClock()));
        }
        return sb.toString();
    }

    static String markdown(String suite, List<Row> rows, Map<String, Object> provenance) {
        Row base = rows.get(0);
        StringBuilder sb = new StringBuilder();
        sb.append("# Suite `").append(suite).append("`\n\n");
        provenance.forEach((k, v) -> sb.append("- ").append(k).append(": `").append(v).append("`\n"));
        sb.append("- baseline: ").append(base.spec.name()).append("; validation loss in nats per token and perplexity per")
                .append(" token (per byte with the byte tokenizer), bits per byte of the validation text;")
                .append(" ± is half the range over seeds\n\n");
        sb.append("| configuration | k | H | batch | rounds | val loss | ppl | bits/byte | vs baseline | inner steps/worker | tokens | communicated | vs data parallel | wall time |\n");
        sb.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        for (Row r : rows) {
            RunResult f = r.first();
            String loss = r.seeds.size() > 1 ? String.format(Locale.ROOT, "%.4f ± %.4f", r.meanLoss(), r.spread())
                    : String.format(Locale.ROOT, "%.4f", r.meanLoss());
            double rel = (r.ppl() - base.ppl()) / base.ppl() * 100;
            sb.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %s | %.3f | %.4f | %s | %,d | %,d | %s | %s | %s |%n",
                    r.spec.name(), f.intConfig("workers"), f.intConfig("inner_steps"), f.intConfig("batch_size"),
                    f.intConfig("rounds"), loss, r.ppl(), r.meanBitsPerByte(), r == base ? "—" : String.format(Locale.ROOT, "%+.2f%%", rel),
                    f.innerStepsPerWorker(), f.tokens(), bytes(f.bytesCommunicated()),
                    f.bytesCommunicated() == 0 ? "0" : String.format(Locale.ROOT, "%.3g×", f.communicationVsDataParallel()),
                    clock(r.meanSeconds())));
        }
        if (clocked(suite)) {
            sb.append(againstTheClock(rows));
        }
        return sb.toString();
    }

    static Map<String, Object> json(String suite, List<Row> rows, Map<String, Object> provenance) {
        Row base = rows.get(0);
        boolean clocked = clocked(suite);
        List<AgainstClock> clock = clocked ? AgainstClock.of(rows) : List.of();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("suite", suite);
        doc.putAll(provenance);
        doc.put("baseline", base.spec.name());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", r.spec.name());
            m.put("series", r.spec.series());
            m.put("final_val_loss_mean", r.meanLoss());
            m.put("final_val_loss_spread", r.spread());
            m.put("final_val_ppl", r.ppl());
            m.put("final_val_bits_per_byte_mean", r.meanBitsPerByte());
            m.put("ppl_vs_baseline", (r.ppl() - base.ppl()) / base.ppl());
            m.put("wall_seconds_mean", r.meanSeconds());
            if (clocked) {
                AgainstClock c = clock.get(rows.indexOf(r));
                m.put("clock_end", c.clockEnd());
                m.put("clock_to_baseline_final_loss", Double.isNaN(c.reachClock()) ? null : c.reachClock());
                m.put("clock_fraction_of_baseline", Double.isNaN(c.reachFraction()) ? null : c.reachFraction());
                m.put("equal_clock", c.equalClock());
                m.put("val_loss_at_equal_clock", c.lossAtEqualClock());
                m.put("final_val_loss_vs_baseline", c.vsBaseline());
            }
            List<Map<String, Object>> seeds = new ArrayList<>();
            for (RunResult s : r.seeds) {
                seeds.add(s.summary());
            }
            m.put("runs", seeds);
            out.add(m);
        }
        doc.put("rows", out);
        return doc;
    }

    /** Whether a suite's report compares its rows by the clock. */
    static boolean clocked(String suite) {
        return suite.equals("heterogeneous");
    }

    static String bytes(long b) {
        if (b == 0) {
            return "0";
        }
        return b >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", b / (double) (1L << 30))
                : String.format(Locale.ROOT, "%.1f MiB", b / (double) (1L << 20));
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
