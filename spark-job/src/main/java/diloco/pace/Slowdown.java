package diloco.pace;

import diloco.option.UserError;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Workers made slow on purpose, for tests and experiments ({@code --simulate-slowdown W:F,...}):
 * each inner step of worker W takes F times as long. On the wall clock the worker sleeps F − 1
 * times the step's own time after each step; on the virtual clock a step of W simply counts F
 * seconds.
 *
 * @param factors worker → factor (≥ 1); workers not named run at full speed
 */
public record Slowdown(Map<Integer, Double> factors) implements Serializable {

    public static final Slowdown NONE = new Slowdown(Map.of());

    public Slowdown {
        factors = Map.copyOf(factors);
    }

    /** Parses {@code W:F[,W:F...]}; empty or null = none. */
    public static Slowdown parse(String flag, String spec) {
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        Map<Integer, Double> f = new TreeMap<>();
        for (String part : spec.split(",")) {
            String[] wf = part.trim().split(":");
            UserError.check(wf.length == 2, "%s must be WORKER:FACTOR[,WORKER:FACTOR...], got '%s'", flag, spec);
            try {
                int w = Integer.parseInt(wf[0].trim());
                double factor = Double.parseDouble(wf[1].trim());
                UserError.check(w >= 0, "%s: worker %d is not a worker index (0, 1, ...)", flag, w);
                UserError.check(factor >= 1 && Double.isFinite(factor),
                        "%s: worker %d's factor must be a number ≥ 1, got %s", flag, w, wf[1].trim());
                UserError.check(f.put(w, factor) == null, "%s names worker %d twice", flag, w);
            } catch (NumberFormatException e) {
                throw new UserError(String.format(Locale.ROOT,
                        "%s must be WORKER:FACTOR[,WORKER:FACTOR...] with numbers, got '%s'", flag, spec));
            }
        }
        return new Slowdown(f);
    }

    /** Throws when a named worker is not one of the run's {@code workers}. */
    public void check(String flag, int workers) {
        for (int w : factors.keySet()) {
            UserError.check(w < workers, "%s names worker %d, but the run has --workers %d (workers 0..%d)", flag, w,
                    workers, workers - 1);
        }
    }

    /** How many times longer each of {@code worker}'s steps takes (1 = full speed). */
    public double factor(int worker) {
        return factors.getOrDefault(worker, 1.0);
    }
}
