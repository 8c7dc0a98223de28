package diloco;

import diloco.option.UserError;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How many of the k workers take part in each round (the paper's adaptive compute pool). Workers
 * 0..n−1 are active in a round with n; the others skip it and keep their state.
 *
 * <ul>
 *   <li>{@code constant:N} — N workers every round;</li>
 *   <li>{@code ramp:A:B} — linear from A (round 1) to B (last round), rounded;</li>
 *   <li>{@code n1,n2,...} — the counts of rounds 1, 2, ...; the last repeats.</li>
 * </ul>
 */
public final class PoolSchedule {
    private final String spec;
    private final int kind; // 0 constant, 1 ramp, 2 list
    private final int[] values;

    private PoolSchedule(String spec, int kind, int[] values) {
        this.spec = spec;
        this.kind = kind;
        this.values = values;
    }

    /** All k workers in every round. */
    public static PoolSchedule all(int workers) {
        return new PoolSchedule("constant:" + workers, 0, new int[] {workers});
    }

    public static PoolSchedule parse(String spec, int workers) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        PoolSchedule p;
        try {
            if (s.startsWith("constant:")) {
                p = new PoolSchedule(spec, 0, new int[] {Integer.parseInt(s.substring(9))});
            } else if (s.startsWith("ramp:")) {
                String[] ab = s.substring(5).split(":");
                UserError.check(ab.length == 2, "--pool-schedule ramp needs ramp:A:B, got '%s'", spec);
                p = new PoolSchedule(spec, 1, new int[] {Integer.parseInt(ab[0]), Integer.parseInt(ab[1])});
            } else {
                List<Integer> list = new ArrayList<>();
                for (String part : s.split(",")) {
                    list.add(Integer.parseInt(part.trim()));
                }
                p = new PoolSchedule(spec, 2, list.stream().mapToInt(Integer::intValue).toArray());
            }
        } catch (NumberFormatException e) {
            throw new UserError("--pool-schedule must be constant:N, ramp:A:B or n1,n2,..., got '" + spec + "'");
        }
        for (int v : p.values) {
            UserError.check(v >= 1 && v <= workers, "--pool-schedule '%s' asks for %d workers; it must be between 1 and --workers %d",
                    spec, v, workers);
        }
        return p;
    }

    /** Active workers in round {@code round} (1-based) of {@code rounds}. */
    public int active(int round, int rounds) {
        switch (kind) {
            case 0:
                return values[0];
            case 1:
                double f = rounds <= 1 ? 0 : (double) (round - 1) / (rounds - 1);
                return (int) Math.round(values[0] + f * (values[1] - values[0]));
            default:
                return values[Math.min(round, values.length) - 1];
        }
    }

    @Override
    public String toString() {
        return spec;
    }
}
