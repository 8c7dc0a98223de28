package diloco.optim;

import java.io.Serializable;

/**
 * Linear warm-up to the peak rate, then cosine decay to {@code minRatio × peak} at
 * {@code decaySteps}, flat after. A function of the global inner step alone, so a worker's rate
 * never depends on how its steps are cut into rounds. {@link StrictMath}: {@code Math.cos} may
 * round differently once the JIT compiles it, and when that happens depends on machine load.
 */
public final class LearningRateSchedule implements Serializable {
    private static final long serialVersionUID = 1L;

    private final float peak;
    private final long warmupSteps;
    private final long decaySteps;
    private final float minRatio;

    public LearningRateSchedule(float peak, long warmupSteps, long decaySteps, float minRatio) {
        this.peak = peak;
        this.warmupSteps = warmupSteps;
        this.decaySteps = decaySteps;
        this.minRatio = minRatio;
    }

    /** Rate for 0-based global inner step {@code step}. */
    public float at(long step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        if (step >= decaySteps) {
            return peak * minRatio;
        }
        double progress = (double) (step - warmupSteps) / Math.max(1, decaySteps - warmupSteps);
        double cosine = 0.5 * (1 + StrictMath.cos(Math.PI * progress));
        return (float) (peak * (minRatio + (1 - minRatio) * cosine));
    }
}
