package diloco.experiments;

import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.RESUME_IF_PRESENT;
import static diloco.config.Options.VALIDATE_ONLY;
import static diloco.config.Options.VAL_FRACTION;
import static diloco.config.Options.WORKERS;

import diloco.checkpoint.Checkpoints;
import diloco.cli.Command;
import diloco.cli.CommandLine;
import diloco.config.TrainConfig;
import diloco.io.BuildInfo;
import diloco.io.HadoopFiles;
import diloco.io.Json;
import diloco.option.UserError;
import diloco.report.Charts;
import diloco.run.DiLoCoTrainer;
import diloco.spark.Sessions;

import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Runs a named suite of DiLoCo configurations on the same data, model and validation windows, and
 * writes a Markdown table, a JSON file and PNG charts of the results. Each run keeps its own output
 * directory under {@code OUT/runs/}; a finished run with the same configuration is reused, so an
 * interrupted suite continues where it stopped, and {@code --partition I/N} lets N processes share
 * a suite (then {@code --report-only} draws the report).
 */
public final class Experiments {
    static final String USAGE = String.join("\n",
            "Usage: diloco.experiments.Experiments --suite NAME --data PATH --out DIR [runner options] [job options]",
            "",
            "Runs a suite of DiLoCo configurations at equal inner steps per worker and writes",
            "DIR/results.md, DIR/results.json and DIR/*.png; each run's own output is in DIR/runs/.",
            "",
            "Runner options:",
            "  --suite NAME               table2 | workers | H | outer | drop | pool | compress | smoke",
            "  --total-inner-steps N      inner steps per worker in every run; rounds = N / H [default: 3000;",
            "                             smoke: 40]",
            "  --seeds LIST               comma-separated seeds, each configuration runs once per seed [default: 0]",
            "  --non-iid-key REGEX        key for non-i.i.d. shards (workers suite), first group of the regex on the",
            "                             document id [default: ^(\\d{4}), the year of a State of the Union file]",
            "  --partition I/N            run only the runs i with i mod N = I (share a suite among N processes)",
            "  --report-only              draw the report from finished runs; run nothing",
            "  --allow-missing            with --report-only: report the configurations that finished and list",
            "                             the others as not run (otherwise a missing run is an error)",
            "  --references DIR           another suite's results (DIR/results.json, e.g. table2's): its 1-worker and",
            "                             8x-batch rows (seed 0) are drawn as references in this suite's charts",
            "  --charts-only              redraw DIR's charts from its results.json alone (no runs needed; with",
            "                             --references); no other option is needed",
            "  --out DIR                  the suite's directory (required)",
            "",
            "Job options (see diloco.cli.Train --help) set the base of every run: --data (required), model",
            "(--preset, --layers, ...), --batch-size, --inner-lr, --workers (k, the suite's largest),",
            "--inner-steps (H), ... Each configuration then sets its own --workers/--inner-steps/--rounds",
            "and outer optimizer; --eval-every defaults to rounds/20. The smoke suite, a check of about a",
            "minute, defaults to --preset tiny --inner-steps 20 --batch-size 8 --inner-lr 3e-3 --warmup-steps 5.",
            "");

    private Experiments() {}

    public static void main(String[] args) {
        Command.exit(run(args, System.out, System.err, true));
    }

    /** Options of the runner itself; everything else goes to the job. */
    static final class Options {
        String suite;
        Integer totalInnerSteps;
        List<Long> seeds = List.of(0L);
        String nonIidKey = "^(\\d{4})";
        int partition = 0;
        int partitions = 1;
        boolean reportOnly;
        boolean allowMissing;
        boolean chartsOnly;
        String references;
        String out;
        List<String> jobArgs = new ArrayList<>();

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--suite":
                        o.suite = value(args, ++i, a);
                        break;
                    case "--total-inner-steps":
                        o.totalInnerSteps = parseInt(value(args, ++i, a), a);
                        UserError.check(o.totalInnerSteps >= 1, "--total-inner-steps must be >= 1");
                        break;
                    case "--seeds":
                        List<Long> seeds = new ArrayList<>();
                        for (String s : value(args, ++i, a).split(",")) {
                            seeds.add((long) parseInt(s.trim(), a));
                        }
                        o.seeds = seeds;
                        break;
                    case "--non-iid-key":
                        o.nonIidKey = value(args, ++i, a);
                        break;
                    case "--partition":
                        String[] p = value(args, ++i, a).split("/");
                        UserError.check(p.length == 2, "--partition must be I/N, e.g. 0/2");
                        o.partition = parseInt(p[0], a);
                        o.partitions = parseInt(p[1], a);
                        UserError.check(o.partitions >= 1 && o.partition >= 0 && o.partition < o.partitions,
                                "--partition I/N needs 0 <= I < N");
                        break;
                    case "--report-only":
                        o.reportOnly = true;
                        break;
                    case "--allow-missing":
                        o.allowMissing = true;
                        break;
                    case "--references":
                        o.references = value(args, ++i, a);
                        break;
                    case "--charts-only":
                        o.chartsOnly = true;
                        break;
                    case "--out":
                        o.out = value(args, ++i, a);
                        break;
                    default:
                        o.jobArgs.add(a);
                }
            }
            UserError.check(o.out != null, "--out DIR is required");
            if (o.chartsOnly) {
                return o;
            }
            UserError.check(o.suite != null, "--suite is required (one of %s)", String.join(", ", Suites.NAMES));
            UserError.check(Suites.NAMES.contains(o.suite), "unknown --suite '%s' (expected one of %s)", o.suite,
                    String.join(", ", Suites.NAMES));
            if (o.totalInnerSteps == null) {
                o.totalInnerSteps = Suites.defaultTotalInnerSteps(o.suite);
            }
            List<String> job = new ArrayList<>(Suites.defaultJobArgs(o.suite));
            job.addAll(o.jobArgs); // the user's options come last and win
            o.jobArgs = job;
            UserError.check(!o.allowMissing || o.reportOnly, "--allow-missing applies to --report-only");
            return o;
        }

        private static String value(String[] args, int i, String name) {
            UserError.check(i < args.length, "option %s needs a value", name);
            return args[i];
        }

        private static int parseInt(String v, String name) {
            try {
                return Integer.parseInt(v.trim());
            } catch (NumberFormatException e) {
                throw new UserError(name + " expects an integer, got '" + v + "'");
            }
        }
    }

    /** Runs the suite; returns the exit status (0, 2 bad input, 1 failure). Stops Spark only if asked. */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean stopSpark) {
        return Command.run(args, USAGE, out, err, stopSpark, sessions -> {
            Options o = Options.parse(args);
            if (o.chartsOnly) {
                return redraw(o, out);
            }
            List<String> base = new ArrayList<>(o.jobArgs);
            TrainConfig baseConfig = CommandLine.parse(withOut(base, o.out)); // validates the job options early
            // every run would stop before writing its results, leaving the suite nothing to report
            UserError.check(!baseConfig.get(VALIDATE_ONLY), "--validate-only is an option of diloco.cli.Train, not of experiments");
            UserError.check(baseConfig.get(VAL_FRACTION) > 0, "experiments compare validation loss: --val-fraction must be > 0");
            List<RunSpec> plan = Suites.plan(o.suite, new Suites.Budget(baseConfig.get(WORKERS), baseConfig.get(INNER_STEPS),
                    o.totalInnerSteps, baseConfig.get(BATCH_SIZE), o.nonIidKey));
            out.println("[experiments] suite " + o.suite + ": " + plan.size() + " configurations x " + o.seeds.size()
                    + " seeds, " + o.totalInnerSteps + " inner steps per worker each");
            out.print(Suites.describe(plan));
            SparkSession spark = sessions.remember(Sessions.forJob("diloco-experiments", baseConfig.faults()));
            HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
            Map<RunSpec, List<RunResult>> results = new LinkedHashMap<>();
            List<String> missing = new ArrayList<>();
            int index = 0;
            int total = plan.size() * o.seeds.size();
            for (RunSpec spec : plan) {
                List<RunResult> seeds = new ArrayList<>();
                for (long seed : o.seeds) {
                    Path dir = new Path(new Path(o.out, "runs"), spec.slug(seed));
                    List<String> runArgs = runArgs(base, spec, seed, o.totalInnerSteps, dir);
                    TrainConfig cfg = CommandLine.parse(runArgs.toArray(new String[0]));
                    RunResult done = RunResult.load(files, dir, spec, seed);
                    boolean mine = index % o.partitions == o.partition && !o.reportOnly;
                    index++;
                    if (done != null && sameConfig(done, cfg)) {
                        out.printf(Locale.ROOT, "[experiments] %d/%d %s seed %d: finished earlier, reused%n", index, total,
                                spec.name, seed);
                    } else if (mine) {
                        // an interrupted run of this very configuration continues from its newest checkpoint
                        boolean resume = interruptedRunOf(spark.sparkContext().hadoopConfiguration(), dir, cfg);
                        out.printf(Locale.ROOT, "[experiments] %d/%d %s seed %d: diloco.cli.Train %s%s%n", index, total,
                                spec.name, seed, String.join(" ", runArgs), resume ? " --resume-if-present" : "");
                        new DiLoCoTrainer(spark, resume ? cfg.with(RESUME_IF_PRESENT, true) : cfg, out).run();
                        done = RunResult.load(files, dir, spec, seed);
                    }
                    if (done == null || !sameConfig(done, cfg)) {
                        missing.add(spec.slug(seed));
                    } else {
                        seeds.add(done);
                    }
                }
                if (!seeds.isEmpty() || !o.allowMissing) {
                    results.put(spec, seeds);
                }
            }
            if (!missing.isEmpty() && !o.allowMissing) {
                UserError.check(!o.reportOnly, "--report-only: runs not finished yet: %s (--allow-missing reports the others)",
                        String.join(", ", missing));
                out.println("[experiments] this partition is done; other partitions still owe: " + String.join(", ", missing)
                        + " (then run again with --report-only)");
                return 0;
            }
            UserError.check(!results.isEmpty(), "--report-only: no run of suite %s has finished in %s", o.suite, o.out);
            writeReport(files, o, args, results, missing, out);
            return 0;
        });
    }

    /** --charts-only: the charts of OUT/results.json, drawn again (e.g. after a change to how charts are drawn). */
    private static int redraw(Options o, PrintStream out) throws IOException {
        HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
        Map<String, Object> results = references(files, o.out);
        for (Map.Entry<String, byte[]> chart : SuiteCharts.draw(results, references(files, o.references)).entrySet()) {
            files.write(new Path(o.out, chart.getKey()), s -> s.write(chart.getValue()));
            out.println("[experiments] drew " + new Path(o.out, chart.getKey()));
        }
        return 0;
    }

    static List<String> runArgs(List<String> base, RunSpec spec, long seed, int totalInnerSteps, Path dir) {
        List<String> a = new ArrayList<>(base);
        a.addAll(spec.args);
        a.addAll(List.of("--seed", Long.toString(seed)));
        if (!base.contains("--eval-every")) {
            int h = Integer.parseInt(spec.args.get(spec.args.indexOf("--inner-steps") + 1));
            a.addAll(List.of("--eval-every", Integer.toString(Suites.evalEvery(totalInnerSteps / h))));
        }
        a.addAll(List.of("--out", dir.toString(), "--overwrite"));
        return a;
    }

    private static String[] withOut(List<String> base, String out) {
        List<String> a = new ArrayList<>(base);
        a.addAll(List.of("--out", out));
        return a.toArray(new String[0]);
    }

    /**
     * A finished run is reused only if it ran this configuration: every setting it recorded
     * equals the planned one (the output path aside; settings added to the project after the run
     * was made are not in its record and keep their defaults).
     */
    private static boolean sameConfig(RunResult done, TrainConfig cfg) {
        return sameConfig(done.config(), cfg);
    }

    /** Does {@code dir} hold a complete checkpoint of a run of exactly {@code cfg}? */
    @SuppressWarnings("unchecked")
    static boolean interruptedRunOf(org.apache.hadoop.conf.Configuration conf, Path dir, TrainConfig cfg)
            throws IOException {
        Checkpoints checkpoints = new Checkpoints(conf, dir);
        java.util.TreeSet<Integer> rounds = checkpoints.completeRounds();
        if (rounds.isEmpty()) {
            return false;
        }
        byte[] state = new HadoopFiles(conf).read(new Path(checkpoints.roundDir(rounds.last()), "state.json"));
        Object recorded = Json.parseObject(new String(state, java.nio.charset.StandardCharsets.UTF_8)).get("config");
        return recorded instanceof Map && sameConfig((Map<String, Object>) recorded, cfg);
    }

    private static boolean sameConfig(Map<String, Object> config, TrainConfig cfg) {
        Map<String, Object> recorded = new TreeMap<>(Json.parseObjectUnchecked(Json.line(config)));
        Map<String, Object> planned = new TreeMap<>(Json.parseObjectUnchecked(Json.line(cfg.toRecord())));
        recorded.remove("out");
        for (Map.Entry<String, Object> e : recorded.entrySet()) {
            if (!java.util.Objects.equals(e.getValue(), planned.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    /** The results.json of a finished suite ({@code path}: it, or its directory), or null for none. */
    static Map<String, Object> references(HadoopFiles files, String path) throws IOException {
        if (path == null) {
            return null;
        }
        Path p = new Path(path);
        if (!p.getName().endsWith(".json")) {
            p = new Path(p, "results.json");
        }
        UserError.check(files.fileSystem(p).exists(p), "--references %s: no results.json there", path);
        return Json.parseObject(new String(files.read(p), java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void writeReport(HadoopFiles files, Options o, String[] args, Map<RunSpec, List<RunResult>> results,
            List<String> missing, PrintStream out) throws IOException {
        List<Report.Row> rows = new ArrayList<>();
        results.forEach((spec, seeds) -> rows.add(new Report.Row(spec, seeds)));
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("command", "./submit.sh experiments " + String.join(" ", args));
        provenance.put("git_revision", BuildInfo.describe("").get("git_revision"));
        provenance.put("machine", String.format(Locale.ROOT, "%d cores, %.0f GiB RAM, %s, Java %s",
                Runtime.getRuntime().availableProcessors(),
                ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                        .getTotalMemorySize() / (double) (1L << 30),
                System.getProperty("os.arch"), System.getProperty("java.version")));
        provenance.put("seeds", o.seeds.toString());
        if (!missing.isEmpty()) {
            provenance.put("not_run", String.join(", ", missing));
        }
        provenance.put("written_at", Instant.now().toString());
        Path dir = new Path(o.out);
        files.writeString(new Path(dir, "results.md"), Report.markdown(o.suite, rows, provenance));
        files.writeString(new Path(dir, "results.json"), Json.pretty(Report.json(o.suite, rows, provenance)));

        // the charts read the report as it is on disk: a redraw from the file gives the same pictures
        Map<String, Object> json = Json.parseObjectUnchecked(Json.line(Report.json(o.suite, rows, provenance)));
        for (Map.Entry<String, byte[]> chart : SuiteCharts.draw(json, references(files, o.references)).entrySet()) {
            files.write(new Path(dir, chart.getKey()), s -> s.write(chart.getValue()));
        }
        out.println("[experiments] wrote " + new Path(dir, "results.md") + ", results.json and charts");
        out.print(Report.markdown(o.suite, rows, provenance));
    }

}
