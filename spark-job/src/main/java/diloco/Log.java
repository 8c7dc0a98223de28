package diloco;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.Locale;

/** Where a run's progress and warning lines go: the log, a console, a notebook paragraph. */
@FunctionalInterface
public interface Log {
    /** The logger every command's lines go through, so one setting names them all. */
    String LOGGER = "diloco";

    void line(String text);

    /** Formats (Locale.ROOT) and writes one line. */
    default void say(String format, Object... args) {
        line(String.format(Locale.ROOT, format, args));
    }

    /** Each line here and to {@code other}. */
    default Log and(Log other) {
        return text -> {
            line(text);
            other.line(text);
        };
    }

    /** Lines prefixed {@code [diloco] } on a stream, flushed at once. */
    static Log to(PrintStream out) {
        return text -> {
            out.println("[diloco] " + text);
            out.flush();
        };
    }

    /**
     * Lines as events of {@code logger}: INFO, and WARN for those that start "warning:". The
     * session's log settings then apply (levels, appenders, YARN's log aggregation of the driver's).
     */
    static Log to(Logger logger) {
        return text -> {
            if (text.startsWith("warning:")) {
                logger.warn(text);
            } else {
                logger.info(text);
            }
        };
    }

    /**
     * A command's lines: to the {@link #LOGGER} logger when {@code out} is this process's standard
     * output or error (conf/log4j2.properties, which ./submit.sh local uses, prints them there as
     * {@code [diloco] ...}, as before); straight to {@code out} when it is another stream (a caller's,
     * a test's), or when the log settings would hide them (a root level of WARN, as spark-shell's):
     * a run is never silent.
     */
    static Log standard(PrintStream out) {
        Logger logger = LoggerFactory.getLogger(LOGGER);
        return (out == System.out || out == System.err) && logger.isInfoEnabled() ? to(logger) : to(out);
    }
}
