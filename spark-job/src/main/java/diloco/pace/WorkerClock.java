package diloco.pace;

import diloco.inner.StepHooks;

/**
 * One worker's clock over its inner steps in a round, as {@link StepHooks}: it measures the steps'
 * seconds on the run's clock, makes a slowed worker slow, and ends the steps at the deadline.
 *
 * <ul>
 *   <li>Wall clock: seconds are real; a worker slowed by F sleeps (F − 1) × the step's own time after
 *       each step.</li>
 *   <li>Virtual clock: each step counts F seconds (F = 1 at full speed); nothing sleeps.</li>
 * </ul>
 *
 * A step is started only if it is expected (the mean of this round's steps so far) to end by the
 * deadline; the first step is always taken. One per worker and round; one thread.
 */
public final class WorkerClock implements StepHooks {
    private final ClockKind kind;
    private final double factor;
    private final double deadline;
    private long stepStart;
    private double seconds;
    private int taken;

    /** {@code deadline} in seconds on the clock, 0 = none. */
    public WorkerClock(ClockKind kind, double factor, double deadline) {
        this.kind = kind;
        this.factor = factor;
        this.deadline = deadline;
    }

    @Override
    public void beforeStep(long step) {
        stepStart = System.nanoTime();
    }

    @Override
    public void after(Phase phase) {
        if (phase != Phase.RELEASE) {
            return;
        }
        taken++;
        if (kind == ClockKind.VIRTUAL) {
            seconds += factor;
            return;
        }
        long own = System.nanoTime() - stepStart;
        if (factor > 1) {
            sleep((long) ((factor - 1) * own));
        }
        seconds += (System.nanoTime() - stepStart) / 1e9;
    }

    @Override
    public boolean stopBefore(int takenSoFar) {
        return deadline > 0 && taken > 0 && seconds + seconds / taken > deadline * (1 + 1e-12);
    }

    /** Seconds of the steps taken so far, on this clock. */
    public double seconds() {
        return seconds;
    }

    private static void sleep(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // a cancelled task: the next step's check stops it
        }
    }
}
