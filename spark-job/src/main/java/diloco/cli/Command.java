package diloco.cli;

import diloco.option.UserError;

import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * What every command of the job shares: {@code --help}, and the exit status: 0 done,
 * {@link UserError#EXIT_CODE} for bad input (one line {@code diloco: error: ...} on stderr), 1 for
 * a failure (with its stack trace). A command that started a SparkSession stops it only when asked
 * (a notebook keeps its session).
 */
public final class Command {
    private Command() {}

    /** The body of a command; returns its exit status. */
    @FunctionalInterface
    public interface Body {
        int run(Sessions sessions) throws Exception;
    }

    /** The SparkSession a command may start, remembered so that it can be stopped at the end. */
    public static final class Sessions {
        private SparkSession started;

        public SparkSession remember(SparkSession s) {
            started = s;
            return s;
        }
    }

    public static int run(String[] args, String help, PrintStream out, PrintStream err, boolean stopSpark, Body body) {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            out.print(help);
            return 0;
        }
        Sessions sessions = new Sessions();
        try {
            return body.run(sessions);
        } catch (Exception e) {
            UserError cause = userError(e);
            if (cause != null) {
                err.println("diloco: error: " + cause.getMessage());
                return UserError.EXIT_CODE;
            }
            err.println("diloco: failed: " + e);
            e.printStackTrace(err);
            return 1;
        } finally {
            if (sessions.started != null && stopSpark) {
                sessions.started.stop();
            }
        }
    }

    /** The bad input behind a failure, if any (Spark wraps what a task threw). */
    private static UserError userError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UserError) {
                return (UserError) t;
            }
        }
        return null;
    }

    /** Ends the JVM with a command's status (only when it is not 0: spark-submit ends it then). */
    public static void exit(int status) {
        if (status != 0) {
            System.exit(status);
        }
    }
}
