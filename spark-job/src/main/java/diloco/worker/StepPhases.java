package diloco.worker;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where inner steps spend their time, for benchmarks: nanoseconds summed per phase over the steps
 * measured. On the CPU every PyTorch call returns when its work is done, so wall time between two
 * points is the time of the calls between them. One per loop, one thread.
 */
public final class StepPhases {
    /**
     * The phases of {@link InnerLoop#step}, in order: batch sampling, the batch's copy to the
     * engine, forward and loss, backward, clipping and AdamW, freeing the step's arrays.
     */
    public enum Phase { SAMPLE, UPLOAD, FORWARD, BACKWARD, OPTIMIZER, RELEASE }

    private final long[] nanos = new long[Phase.values().length];
    private long last;
    private long steps;

    void start() {
        last = System.nanoTime();
    }

    void lap(Phase phase) {
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
            out.put(p.name().toLowerCase(java.util.Locale.ROOT), steps == 0 ? 0 : nanos[p.ordinal()] / 1e6 / steps);
        }
        return out;
    }
}
