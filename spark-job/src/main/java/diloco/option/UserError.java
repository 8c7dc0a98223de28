package diloco.option;

/**
 * A problem with what the user asked for (bad option, bad data, bad output path). The message is
 * one line meant for a person; the command line prints it and exits with {@link #EXIT_CODE}.
 */
public class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit status for bad input, as in the BSD sysexits convention for usage errors. */
    public static final int EXIT_CODE = 2;

    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }

    /** Throws a {@code UserError} with the formatted message when {@code ok} is false. */
    public static void check(boolean ok, String format, Object... args) {
        if (!ok) {
            throw new UserError(String.format(java.util.Locale.ROOT, format, args));
        }
    }
}
