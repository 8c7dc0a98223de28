package diloco.spark;

import diloco.FaultSettings;
import diloco.Log;
import diloco.option.UserError;

import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The SparkSession a DiLoCo job runs in, and the settings of a session it cannot change. Every
 * entry point (command line, experiments, the Spark ML Estimator in a notebook) goes through here.
 */
public final class Sessions {
    private static final Pattern LOCAL_WITH_FAILURES = Pattern.compile("local\\[[^,\\]]+,\\s*(\\d+)\\]");

    private Sessions() {}

    /**
     * The active session if there is one (a notebook's, a test's), else a new one: on
     * {@code local[*]} unless spark-submit chose a master, speculation off, and as many task
     * attempts as {@code --task-max-failures} asks for.
     */
    public static SparkSession forJob(String appName, FaultSettings faults) {
        SparkSession.Builder b = SparkSession.builder().appName(appName);
        if (!new SparkConf().contains("spark.master")) {
            b.master("local[*]");
        }
        b.config("spark.speculation", "false"); // one round = one job; a speculative copy of a worker would train twice
        b.config("spark.task.maxFailures", Integer.toString(faults.taskAttemptsNeeded()));
        return b.getOrCreate();
    }

    /**
     * Checks a session's fixed settings against the run: speculation must be off (else a
     * {@link UserError}); too few task attempts for {@code --task-max-failures} or drop mode is
     * a warning, since a notebook's session cannot change it.
     */
    public static void check(SparkContext sc, FaultSettings faults, Log log) {
        UserError.check(!sc.getConf().getBoolean("spark.speculation", false),
                "DiLoCo needs spark.speculation=false: a speculative copy of a worker's task would take its inner steps twice");
        int attempts = taskAttempts(sc);
        int needed = faults.taskAttemptsNeeded();
        boolean drop = faults.dropFailedWorkers();
        // a local master has no executors to lose: its retries matter only to drop mode's last attempt
        if (attempts < needed && (drop || !sc.isLocal())) {
            log.say("warning: this session allows %d attempt(s) per task (spark.task.maxFailures, or local[N,F] on a "
                    + "local master) but taskMaxFailures %d%s needs %d; it is fixed when the session starts: set it there "
                    + "(e.g. %s), or a failed worker %s", attempts, faults.taskMaxFailures(),
                    drop ? " with onWorkerFailure drop" : "",
                    needed, sc.isLocal() ? "local[" + sc.defaultParallelism() + "," + needed + "]"
                            : "--conf spark.task.maxFailures=" + needed,
                    drop ? "fails the run instead of being dropped" : "is retried fewer times");
        }
    }

    /** Attempts Spark makes per task: local masters retry only when written local[N,F]. */
    static int taskAttempts(SparkContext sc) {
        if (sc.isLocal()) {
            Matcher m = LOCAL_WITH_FAILURES.matcher(sc.master());
            return m.matches() ? Integer.parseInt(m.group(1)) : 1;
        }
        return sc.getConf().getInt("spark.task.maxFailures", 4);
    }
}
