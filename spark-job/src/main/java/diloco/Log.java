package diloco;

import java.io.PrintStream;
import java.util.Locale;

/** Where a run's progress and warning lines go: a console, or a notebook's driver log. */
@FunctionalInterface
public interface Log {
    void line(String text);

    /** Formats (Locale.ROOT) and writes one line. */
    default void say(String format, Object... args) {
        line(String.format(Locale.ROOT, format, args));
    }

    /** Lines prefixed {@code [diloco] } on a stream, flushed at once. */
    static Log to(PrintStream out) {
        return text -> {
            out.println("[diloco] " + text);
            out.flush();
        };
    }
}
