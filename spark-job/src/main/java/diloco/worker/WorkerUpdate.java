package diloco.worker;

import java.io.Serializable;

/** A worker's result for one round: its outer gradient Δᵢ = θ − θᵢ (null when lost) and its report. */
public final class WorkerUpdate implements Serializable {
    private static final long serialVersionUID = 1L;

    public final float[] delta;
    public final WorkerReport report;

    public WorkerUpdate(float[] delta, WorkerReport report) {
        this.delta = delta;
        this.report = report;
    }
}
