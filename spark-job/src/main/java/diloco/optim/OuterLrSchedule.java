package diloco.optim;

import diloco.option.UserError;

import java.io.Serializable;
import java.util.Locale;

/**
 * The outer learning rate per round ({@code --outer-lr-schedule}), a function of the round alone so
 * that a resumed run continues on the same curve:
 *
 * <ul>
 *   <li>{@code constant} — the peak every round (the paper);</li>
 *   <li>{@code warmup:N} — linear from peak/N in round 1 to the peak in round N, then the peak;</li>
 *   <li>{@code cosine[:MIN]} — cosine decay from the peak in round 1 to MIN × peak in the last
 *       round (MIN defaults to 0.1);</li>
 *   <li>{@code warmup:N,cosine[:MIN]} — both: the cosine starts after the warm-up.</li>
 * </ul>
 */
public final class OuterLrSchedule implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LearningRateSchedule curve;

    private OuterLrSchedule(LearningRateSchedule curve) {
        this.curve = curve;
    }

    /** Parses {@code spec} for a run of {@code rounds} rounds at peak rate {@code peak}. */
    public static OuterLrSchedule parse(String spec, float peak, int rounds) {
        int warmup = 0;
        boolean cosine = false;
        float min = 0.1f;
        String s = spec == null ? "constant" : spec.trim().toLowerCase(Locale.ROOT);
        try {
            for (String part : s.split(",")) {
                part = part.trim();
                if (part.equals("constant") && !s.contains(",")) {
                    continue;
                } else if (part.startsWith("warmup:") && warmup == 0) {
                    warmup = Integer.parseInt(part.substring(7));
                    UserError.check(warmup >= 1, "--outer-lr-schedule warm-up must be at least 1 round, got '%s'", spec);
                } else if ((part.equals("cosine") || part.startsWith("cosine:")) && !cosine) {
                    cosine = true;
                    if (part.startsWith("cosine:")) {
                        min = Float.parseFloat(part.substring(7));
                    }
                    UserError.check(min >= 0f && min <= 1f, "--outer-lr-schedule cosine minimum must be in [0, 1], got '%s'", spec);
                } else {
                    throw new NumberFormatException(part);
                }
            }
        } catch (NumberFormatException e) {
            throw new UserError("--outer-lr-schedule must be constant, warmup:N, cosine[:MIN] or warmup:N,cosine[:MIN], got '"
                    + spec + "'");
        }
        // a multiplier curve over 0-based rounds: min ratio 1 keeps it flat after the warm-up
        long decayEnd = cosine ? Math.max(rounds - 1, warmup + 1) : Long.MAX_VALUE;
        return new OuterLrSchedule(new LearningRateSchedule(peak, warmup, decayEnd, cosine ? min : 1f));
    }

    /** The outer learning rate of 1-based round {@code round}. */
    public float at(int round) {
        return curve.at(round - 1);
    }
}
