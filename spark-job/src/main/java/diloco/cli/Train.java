package diloco.cli;

import diloco.StopSignal;
import diloco.config.TrainConfig;
import diloco.config.UserError;
import diloco.run.DiLoCoTrainer;
import diloco.spark.Sessions;

import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The training job's entry point for {@code spark-submit --class diloco.cli.Train}. Without a
 * master from spark-submit it runs on {@code local[*]}.
 */
public final class Train {
    private Train() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err, true, StopSignal.onSigterm());
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the job and returns its exit status: 0 done, {@link UserError#EXIT_CODE} for bad input
     * (one line on {@code err}), 1 for a failure. Uses the active SparkSession if there is one,
     * and stops the session only when {@code stopSpark} (a notebook keeps its session).
     */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean stopSpark) {
        return run(args, out, err, stopSpark, StopSignal.none());
    }

    /** As {@link #run(String[], PrintStream, PrintStream, boolean)}, stopping at a checkpoint when {@code stop} is requested. */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean stopSpark, StopSignal stop) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.print(CommandLine.help());
            return 0;
        }
        SparkSession spark = null;
        try {
            TrainConfig cfg = CommandLine.parse(args);
            spark = Sessions.forJob("diloco", cfg);
            DiLoCoTrainer.Result result = new DiLoCoTrainer(spark, cfg, out, stop).run();
            return result.stopped() ? StopSignal.EXIT_CODE : 0;
        } catch (UserError e) {
            err.println("diloco: error: " + e.getMessage());
            return UserError.EXIT_CODE;
        } catch (Exception e) {
            UserError cause = findUserError(e);
            if (cause != null) {
                err.println("diloco: error: " + cause.getMessage());
                return UserError.EXIT_CODE;
            }
            err.println("diloco: failed: " + e);
            e.printStackTrace(err);
            return 1;
        } finally {
            if (spark != null && stopSpark) {
                spark.stop();
            }
        }
    }

    private static UserError findUserError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UserError) {
                return (UserError) t;
            }
        }
        return null;
    }
}
