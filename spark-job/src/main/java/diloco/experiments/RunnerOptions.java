package diloco.experiments;

import static diloco.option.Option.Check.atLeast;

import diloco.config.Options;
import diloco.option.Option;
import diloco.option.UserError;

import java.util.List;

/**
 * The options of the experiments runner itself, in --help order; every other argument is a job
 * option ({@link Options}) and sets the base of every run. {@code --out} is the runner's: each
 * run's own is planned under it.
 */
public final class RunnerOptions {
    private static final String SECTION = "Runner options";

    private RunnerOptions() {}

    public static final Option<String> SUITE = Option.text("suite").placeholder("NAME").check(Suites::checkName)
            .section(SECTION)
            .doc("the suite to run (required unless --charts-only), one of " + String.join(", ", Suites.NAMES));
    public static final Option<Integer> TOTAL_INNER_STEPS = Option.integer("totalInnerSteps").placeholder("N")
            .check(atLeast(1)).defaultShownAs(Suites.defaultTotalInnerSteps("table2") + "; smoke: "
                    + Suites.defaultTotalInnerSteps("smoke"))
            .section(SECTION).doc("inner steps per worker in every run; rounds = N / H");
    public static final Option<List<Long>> SEEDS = Option.list("seeds", Option.Type.LONG).placeholder("LIST")
            .byDefault(List.of(0L)).section(SECTION).doc("comma-separated seeds, each configuration runs once per seed");
    public static final Option<String> NON_IID_KEY = Option.text("nonIidKey").placeholder("REGEX").byDefault("^(\\d{4})")
            .check((name, v) -> Options.SHARD_BY.check(name, v)).section(SECTION)
            .doc("key for non-i.i.d. shards (workers suite), first group of the regex on the document id; the default "
                    + "is the year of a State of the Union file");
    public static final Option<String> PARTITION = Option.text("partition").placeholder("I/N").byDefault("0/1")
            .check(Partition::parse).section(SECTION)
            .doc("run only the runs i with i mod N = I (share a suite among N processes)");
    public static final Option<Boolean> REPORT_ONLY = Option.flag("reportOnly").section(SECTION)
            .doc("draw the report from finished runs; run nothing");
    public static final Option<Boolean> ALLOW_MISSING = Option.flag("allowMissing").section(SECTION)
            .doc("with --report-only: report the configurations that finished and list the others as not run "
                    + "(otherwise a missing run is an error)");
    public static final Option<String> REFERENCES = Option.text("references").placeholder("DIR").section(SECTION)
            .doc("another suite's results (DIR/results.json, e.g. table2's): its 1-worker and 8x-batch rows (seed 0) "
                    + "are drawn as references in this suite's charts");
    public static final Option<Boolean> CHARTS_ONLY = Option.flag("chartsOnly").section(SECTION)
            .doc("redraw DIR's charts from its results.json alone (no runs needed; with --references); no other option "
                    + "is needed");
    public static final Option<String> OUT = Option.text("out").placeholder("DIR").section(SECTION)
            .doc("the suite's directory (required)");

    /** Every option of the runner, in --help order. */
    public static List<Option<?>> all() {
        return List.of(SUITE, TOTAL_INNER_STEPS, SEEDS, NON_IID_KEY, PARTITION, REPORT_ONLY, ALLOW_MISSING, REFERENCES,
                CHARTS_ONLY, OUT);
    }

    /** {@code --partition I/N}: this process runs the runs i with i mod N = I. */
    public record Partition(int index, int count) {
        /** Parses {@code I/N}, named {@code name} in errors. */
        public static Partition parse(String name, String text) {
            String[] p = text.split("/");
            UserError.check(p.length == 2, "%s must be I/N, e.g. 0/2, got '%s'", name, text);
            Partition partition = new Partition(Option.Type.INT.parse(name, p[0]), Option.Type.INT.parse(name, p[1]));
            UserError.check(partition.count >= 1 && partition.index >= 0 && partition.index < partition.count,
                    "%s I/N needs 0 <= I < N, got '%s'", name, text);
            return partition;
        }

        /** Does this process run the {@code run}-th run of the suite? */
        public boolean owns(int run) {
            return run % count == index;
        }
    }
}
