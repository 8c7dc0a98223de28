package diloco.inner;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where inner steps spend their time, for benchmarks: a {@link StepHooks} that sums nanoseconds
 * per {@link StepHooks.Phase phase} over the steps it sees. On the CPU every PyTorch call returns
 * when its work is done, so wall time between two points is the time of the calls between them.
 * One per loop, one thread.
 */
public final class StepPhases implements StepHooks {
    private final long[] nanos = new long[Phase.values().length];
    private long last;
    private long steps;

    @Override
    public void beforeStep(long step) {
        last = System.nanoTime();
    }

    @Override
    public void after(Phase phase) {
        long now = System.nanoTime();
        nanos[phase.ordinal()] += now - last;
        last = now;
        if (phase == Phase.RELEASE) {
            steps++;
        }
    }

    /** Milliseconds per step of each phase, in order. */
    public Map<String, Double> msPerStep() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Phase p : Phase.values()) {
            out.put(p.name().toLowerCase(Locale.ROOT), steps == 0 ? 0 : nanos[p.ordinal()] / 1e6 / steps);
        }
        return out;
    }
}
