package diloco.experiments;

import java.util.ArrayList;
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
        return sb.toString();
    }

    static Map<String, Object> json(String suite, List<Row> rows, Map<String, Object> provenance) {
        Row base = rows.get(0);
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
