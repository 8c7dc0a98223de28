package diloco.cli;

import static diloco.config.Options.DATA;
import static diloco.config.Options.OUT;

import diloco.Log;
import diloco.StopSignal;
import diloco.config.TrainConfig;
import diloco.run.DiLoCoTrainer;
import diloco.spark.Sessions;

import java.io.PrintStream;

/**
 * The training job's entry point for {@code spark-submit --class diloco.cli.Train}. Without a
 * master from spark-submit it runs on {@code local[*]}. With {@code --validate-only} it runs the
 * trainer's checks, prints one line saying what passed, and exits 0 without writing anything.
 */
public final class Train {
    private Train() {}

    public static void main(String[] args) {
        Command.exit(run(args, System.out, System.err, true, StopSignal.onSigterm()));
    }

    /**
     * Runs the job and returns its exit status: 0 done, 2 for bad input (one line on {@code err}),
     * 1 for a failure, 143 when stopped on request. Uses the active SparkSession if there is one,
     * and stops the session only when {@code stopSpark} (a notebook keeps its session).
     */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean stopSpark) {
        return run(args, out, err, stopSpark, StopSignal.none());
    }

    /** As {@link #run(String[], PrintStream, PrintStream, boolean)}, stopping at a checkpoint when {@code stop} is requested. */
    public static int run(String[] args, PrintStream out, PrintStream err, boolean stopSpark, StopSignal stop) {
        return Command.run(args, CommandLine.help(), out, err, stopSpark, sessions -> {
            TrainConfig cfg = CommandLine.parse(args);
            DiLoCoTrainer.Result result = new DiLoCoTrainer(sessions.remember(Sessions.forJob("diloco", cfg.faults())), cfg, out, stop)
                    .run();
            if (result.validated()) {
                Log.standard(out).say("valid: %,d documents in --data %s, --out %s usable%s, model %,d parameters; nothing "
                        + "trained or written (--validate-only)", result.data().documents(), cfg.get(DATA), cfg.get(OUT),
                        result.rounds() > 0 ? " (continues after checkpoint round " + result.rounds() + ")" : "",
                        result.theta().length);
            }
            return result.stopped() ? StopSignal.EXIT_CODE : 0;
        });
    }
}
