package diloco.worker;

import java.io.Serializable;

/** What one worker did in one round (everything but its outer gradient). */
public final class WorkerReport implements Serializable {
    private static final long serialVersionUID = 1L;

    public final int worker;
    public final int round;
    public final long tokens;
    /** Mean training loss over the round's inner steps (nats per token). */
    public final double meanLoss;
    /** L2 norm of this worker's outer gradient θ − θᵢ. */
    public final double deltaNorm;
    public final StateSource stateSource;
    /** Wall-clock interval of the inner steps (epoch ms), measured on the executor. */
    public final long startMs;
    public final long endMs;
    /** Time spent waiting for the JVM's compute lock before starting. */
    public final double secWaiting;
    /** Time spent writing the every-round state file (--inner-state-sync every-round), else 0. */
    public final double secStateSync;
    public final String executor;
    public final String device;
    /** The round's outer gradient was lost (simulated); the driver did not receive it. */
    public final boolean dropped;
    /** The worker started from its own parameters (its previous Δ was lost), not from θ. */
    public final boolean startedFromOwn;
    /** Why the outer gradient was excluded (non-finite, too large, the task failed), or null. */
    public final String rejected;

    public WorkerReport(int worker, int round, long tokens, double meanLoss, double deltaNorm, StateSource stateSource,
            long startMs, long endMs, double secWaiting, double secStateSync, String executor, String device, boolean dropped,
            boolean startedFromOwn, String rejected) {
        this.worker = worker;
        this.round = round;
        this.tokens = tokens;
        this.meanLoss = meanLoss;
        this.deltaNorm = deltaNorm;
        this.stateSource = stateSource;
        this.startMs = startMs;
        this.endMs = endMs;
        this.secWaiting = secWaiting;
        this.secStateSync = secStateSync;
        this.executor = executor;
        this.device = device;
        this.dropped = dropped;
        this.startedFromOwn = startedFromOwn;
        this.rejected = rejected;
    }

    /** A worker that gave up: its task failed on every allowed attempt (--on-worker-failure drop). */
    public static WorkerReport failed(int worker, int round, String reason, String executor) {
        long now = System.currentTimeMillis();
        return new WorkerReport(worker, round, 0, Double.NaN, Double.NaN, new StateSource(StateSource.Kind.FRESH, 0),
                now, now, 0, 0, executor, "none", false, false, reason);
    }

    public double secInner() {
        return (endMs - startMs) / 1000.0;
    }
}
