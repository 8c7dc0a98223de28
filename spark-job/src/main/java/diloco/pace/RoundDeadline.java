package diloco.pace;

import diloco.option.UserError;

import java.io.Serializable;
import java.util.Locale;

/**
 * When a worker stops its inner steps in a round ({@code --round-deadline}), on the run's clock:
 * never before H ({@code off}); after {@code SECONDS}; or ({@code auto[:GRACE]}) at the time the
 * fastest worker is expected to need for its steps, from the paces of the last round, times
 * 1 + GRACE (default {@value #DEFAULT_GRACE}). A worker starts a step only if it expects to end it
 * by the deadline, and always takes its first.
 *
 * @param kind    off, fixed seconds or auto
 * @param seconds the deadline (fixed), or the grace fraction (auto)
 */
public record RoundDeadline(Kind kind, double seconds) implements Serializable {

    public enum Kind { OFF, SECONDS, AUTO }

    public static final double DEFAULT_GRACE = 0.25;
    public static final RoundDeadline OFF = new RoundDeadline(Kind.OFF, 0);

    public static RoundDeadline parse(String flag, String spec) {
        String s = spec == null ? "off" : spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("off")) {
            return OFF;
        }
        try {
            if (s.equals("auto")) {
                return new RoundDeadline(Kind.AUTO, DEFAULT_GRACE);
            }
            if (s.startsWith("auto:")) {
                double grace = Double.parseDouble(s.substring(5));
                UserError.check(grace >= 0 && Double.isFinite(grace), "%s auto:GRACE needs a grace ≥ 0, got '%s'", flag, spec);
                return new RoundDeadline(Kind.AUTO, grace);
            }
            double sec = Double.parseDouble(s);
            UserError.check(sec > 0 && Double.isFinite(sec), "%s must be off, auto[:GRACE] or seconds > 0, got '%s'", flag,
                    spec);
            return new RoundDeadline(Kind.SECONDS, sec);
        } catch (NumberFormatException e) {
            throw new UserError(String.format(Locale.ROOT, "%s must be off, auto[:GRACE] or seconds > 0, got '%s'", flag,
                    spec));
        }
    }

    public boolean isOff() {
        return kind == Kind.OFF;
    }

    /**
     * The deadline of a round in which the fastest worker is expected to take {@code fastestSeconds}
     * for its steps (NaN when no pace is known yet); 0 = none.
     */
    public double at(double fastestSeconds) {
        return switch (kind) {
            case OFF -> 0;
            case SECONDS -> seconds;
            case AUTO -> Double.isFinite(fastestSeconds) && fastestSeconds > 0 ? fastestSeconds * (1 + seconds) : 0;
        };
    }
}
