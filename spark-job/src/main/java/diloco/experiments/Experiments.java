package diloco.experiments;

import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.EVAL_EVERY;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.OVERWRITE;
import static diloco.config.Options.RESUME_IF_PRESENT;
import static diloco.config.Options.SEED;
import static diloco.config.Options.VALIDATE_ONLY;
import static diloco.config.Options.VAL_FRACTION;
import static diloco.config.Options.WORKERS;
import static diloco.experiments.RunnerOptions.ALLOW_MISSING;
import static diloco.experiments.RunnerOptions.CHARTS_ONLY;
import static diloco.experiments.RunnerOptions.NON_IID_KEY;
import static diloco.experiments.RunnerOptions.PARTITION;
import static diloco.experiments.RunnerOptions.REFERENCES;
import static diloco.experiments.RunnerOptions.REPORT_ONLY;
import static diloco.experiments.RunnerOptions.SEEDS;
import static diloco.experiments.RunnerOptions.SUITE;
import static diloco.experiments.RunnerOptions.TOTAL_INNER_STEPS;

import diloco.checkpoint.Checkpoints;
import diloco.cli.Command;
import diloco.cli.CommandLine;
import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.experiments.RunnerOptions.Partition;
import diloco.io.BuildInfo;
import diloco.io.HadoopFiles;
import diloco.io.Json;
import diloco.option.UserError;
import diloco.report.Charts;
import diloco.run.DiLoCoTrainer;
import diloco.run.TokenizedConfig;
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
    private static final String DESCRIPTION = String.join("\n",
            "Usage: diloco.experiments.Experiments --suite NAME --data PATH --out DIR [runner options] [job options]",
            "",
            "Runs a suite of DiLoCo configurations at equal inner steps per worker and writes",
            "DIR/results.md, DIR/results.json and DIR/*.png; each run's own output is in DIR/runs/.",
            "",
            "Job options (see diloco.cli.Train --help) set the base of every run: --data (required), model",
            "(--preset, --layers, ...), --batch-size, --inner-lr, --workers (k, the suite's largest),",
            "--inner-steps (H), ... Each configuration then sets its own --workers/--inner-steps/--rounds",
            "and outer optimizer; --eval-every defaults to rounds/20. The smoke suite, a check of about a",
            "minute, defaults to " + String.join(" ", RunSpec.args(Suites.defaults("smoke"))) + ".",
            "");

    private Experiments() {}

    public static void main(String[] args) {
        Command.exit(run(args, System.out, System.err, true));
    }

    /** The runner's --help: what it does, then its own options (the job's are diloco.cli.Train's). */
    static String help() {
        return CommandLine.help(DESCRIPTION, RunnerOptions.all());
    }

    /**
     * What the runner is asked to do: its own options, and the job options every run starts from
     * (the suite's defaults, then the user's, whose value wins).
     */
    record Request(String suite, int totalInnerSteps, List<Long> seeds, String nonIidKey, Partition partition,
            boolean reportOnly, boolean allowMissing, boolean chartsOnly, String references, String out,
            List<String> jobArgs) {

        /** The runner's options are read by its table, the rest are left to the job's (which checks them). */
        static Request parse(String[] args) {
            CommandLine.Split split = CommandLine.split(RunnerOptions.all(), Options.all(), args);
            CommandLine.Values v = split.values();
            String out = v.required(RunnerOptions.OUT);
            String suite = v.get(SUITE);
            boolean chartsOnly = v.get(CHARTS_ONLY);
            if (!chartsOnly) {
                UserError.check(suite != null, "--suite is required (one of %s)", String.join(", ", Suites.NAMES));
                UserError.check(!v.get(ALLOW_MISSING) || v.get(REPORT_ONLY), "--allow-missing applies to --report-only");
            }
            Integer given = v.get(TOTAL_INNER_STEPS);
            // without a suite (--charts-only) there is nothing to plan
            int total = given != null ? given : suite == null ? 0 : Suites.defaultTotalInnerSteps(suite);
            List<String> job = new ArrayList<>();
            if (suite != null) {
                job.addAll(RunSpec.args(Suites.defaults(suite)));
            }
            job.addAll(split.rest()); // the user's options come last and win
            return new Request(suite, total, v.get(SEEDS), v.get(NON_IID_KEY),
                    Partition.parse(PARTITION.flag(), v.get(PARTITION)), v.get(REPORT_ONLY), v.get(ALLOW_MISSING),
                    chartsOnly, v.get(REFERENCES), out, List.copyOf(job));
        }
    }

    /** Runs the suite; returns the exit status (0, 2 bad input, 1 failure). Stops Spark only if asked. */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean stopSpark) {
        return Command.run(args, help(), out, err, stopSpark, sessions -> {
            Request r = Request.parse(args);
            if (r.chartsOnly()) {
                return redraw(r, out);
            }
            List<String> base = r.jobArgs();
            TrainConfig baseConfig = CommandLine.parse(withOut(base, r.out())); // validates the job options early
            // every run would stop before writing its results, leaving the suite nothing to report
            UserError.check(!baseConfig.get(VALIDATE_ONLY), "--validate-only is an option of diloco.cli.Train, not of experiments");
            UserError.check(baseConfig.get(VAL_FRACTION) > 0, "experiments compare validation loss: --val-fraction must be > 0");
            List<RunSpec> plan = Suites.plan(r.suite(), new Suites.Budget(baseConfig.get(WORKERS), baseConfig.get(INNER_STEPS),
                    r.totalInnerSteps(), baseConfig.get(BATCH_SIZE), r.nonIidKey()));
            out.println("[experiments] suite " + r.suite() + ": " + plan.size() + " configurations x " + r.seeds().size()
                    + " seeds, " + r.totalInnerSteps() + " inner steps per worker each");
            out.print(Suites.describe(plan));
            SparkSession spark = sessions.remember(Sessions.forJob("diloco-experiments", baseConfig.faults()));
            HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
            Map<RunSpec, List<RunResult>> results = new LinkedHashMap<>();
            List<String> missing = new ArrayList<>();
            int index = 0;
            int total = plan.size() * r.seeds().size();
            for (RunSpec spec : plan) {
                List<RunResult> seeds = new ArrayList<>();
                for (long seed : r.seeds()) {
                    Path dir = new Path(new Path(r.out(), "runs"), spec.slug(seed));
                    List<String> runArgs = runArgs(base, spec, seed, r.totalInnerSteps(), dir);
                    TrainConfig cfg = CommandLine.parse(runArgs.toArray(new String[0]));
                    // what a finished run recorded: its tokenizer and vocabulary resolved from --tokenizer / --data
                    TrainConfig recorded = TokenizedConfig.resolve(spark.sparkContext().hadoopConfiguration(), cfg,
                            cfg.get(Options.DATA)).config();
                    RunResult done = RunResult.load(files, dir, spec, seed);
                    boolean mine = r.partition().owns(index) && !r.reportOnly();
                    index++;
                    if (done != null && sameConfig(done, recorded)) {
                        out.printf(Locale.ROOT, "[experiments] %d/%d %s seed %d: finished earlier, reused%n", index, total,
                                spec.name(), seed);
                    } else if (mine) {
                        // an interrupted run of this very configuration continues from its newest checkpoint
                        boolean resume = interruptedRunOf(spark.sparkContext().hadoopConfiguration(), dir, recorded);
                        out.printf(Locale.ROOT, "[experiments] %d/%d %s seed %d: diloco.cli.Train %s%s%n", index, total,
                                spec.name(), seed, String.join(" ", runArgs), resume ? " " + RESUME_IF_PRESENT.flag() : "");
                        new DiLoCoTrainer(spark, resume ? cfg.with(RESUME_IF_PRESENT, true) : cfg, out).run();
                        done = RunResult.load(files, dir, spec, seed);
                    }
                    if (done == null || !sameConfig(done, recorded)) {
                        missing.add(spec.slug(seed));
                    } else {
                        seeds.add(done);
                    }
                }
                if (!seeds.isEmpty() || !r.allowMissing()) {
                    results.put(spec, seeds);
                }
            }
            if (!missing.isEmpty() && !r.allowMissing()) {
                UserError.check(!r.reportOnly(), "--report-only: runs not finished yet: %s (--allow-missing reports the others)",
                        String.join(", ", missing));
                out.println("[experiments] this partition is done; other partitions still owe: " + String.join(", ", missing)
                        + " (then run again with --report-only)");
                return 0;
            }
            UserError.check(!results.isEmpty(), "--report-only: no run of suite %s has finished in %s", r.suite(), r.out());
            writeReport(files, r, args, results, missing, out);
            return 0;
        });
    }

    /** --charts-only: the charts of OUT/results.json, drawn again (e.g. after a change to how charts are drawn). */
    private static int redraw(Request r, PrintStream out) throws IOException {
        HadoopFiles files = new HadoopFiles(new org.apache.hadoop.conf.Configuration());
        Map<String, Object> results = references(files, r.out());
        for (Map.Entry<String, byte[]> chart : SuiteCharts.draw(results, references(files, r.references())).entrySet()) {
            files.write(new Path(r.out(), chart.getKey()), s -> s.write(chart.getValue()));
            out.println("[experiments] drew " + new Path(r.out(), chart.getKey()));
        }
        return 0;
    }

    /** The job's command line for one run: the base, the configuration's settings, the seed, the run's directory. */
    static List<String> runArgs(List<String> base, RunSpec spec, long seed, int totalInnerSteps, Path dir) {
        List<String> a = new ArrayList<>(base);
        a.addAll(spec.args());
        a.addAll(SEED.args(seed));
        String flag = EVAL_EVERY.flag();
        if (base.stream().noneMatch(arg -> arg.equals(flag) || arg.startsWith(flag + "="))) { // --eval-every N or =N
            a.addAll(EVAL_EVERY.args(Suites.evalEvery(totalInnerSteps / spec.get(INNER_STEPS))));
        }
        a.addAll(Options.OUT.args(dir.toString()));
        a.addAll(OVERWRITE.args(true));
        return a;
    }

    private static String[] withOut(List<String> base, String out) {
        List<String> a = new ArrayList<>(base);
        a.addAll(Options.OUT.args(out));
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

    private static void writeReport(HadoopFiles files, Request r, String[] args, Map<RunSpec, List<RunResult>> results,
            List<String> missing, PrintStream out) throws IOException {
        List<Report.Row> rows = new ArrayList<>();
        results.forEach((spec, seeds) -> rows.add(new Report.Row(spec, seeds)));
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("command", "./submit.sh experiments " + String.join(" ", args));
        provenance.put("git_revision", BuildInfo.describe("").get("git_revision"));
        provenance.put("machine", BuildInfo.machineLine());
        provenance.put("seeds", r.seeds().toString());
        if (!missing.isEmpty()) {
            provenance.put("not_run", String.join(", ", missing));
        }
        provenance.put("written_at", Instant.now().toString());
        Path dir = new Path(r.out());
        files.writeString(new Path(dir, "results.md"), Report.markdown(r.suite(), rows, provenance));
        files.writeString(new Path(dir, "results.json"), Json.pretty(Report.json(r.suite(), rows, provenance)));

        // the charts read the report as it is on disk: a redraw from the file gives the same pictures
        Map<String, Object> json = Json.parseObjectUnchecked(Json.line(Report.json(r.suite(), rows, provenance)));
        for (Map.Entry<String, byte[]> chart : SuiteCharts.draw(json, references(files, r.references())).entrySet()) {
            files.write(new Path(dir, chart.getKey()), s -> s.write(chart.getValue()));
        }
        out.println("[experiments] wrote " + new Path(dir, "results.md") + ", results.json and charts");
        out.print(Report.markdown(r.suite(), rows, provenance));
    }

}
