package diloco;

import diloco.worker.WorkerReport;

import java.util.ArrayList;
import java.util.List;

/** The workers' side of one round, as it reaches the driver: Σ Δᵢ, how many, and reports. */
public final class InnerRound {
    /** Sum of the received outer gradients; null when none arrived. */
    public final float[] deltaSum;
    public final int received;
    public final List<WorkerReport> reports;
    public final double secBroadcast;
    /** Wall time of the distributed stage: inner steps, transfer and aggregation. */
    public final double secStage;

    public InnerRound(float[] deltaSum, int received, List<WorkerReport> reports, double secBroadcast,
            double secStage) {
        this.deltaSum = deltaSum;
        this.received = received;
        this.reports = new ArrayList<>(reports);
        this.reports.sort((a, b) -> Integer.compare(a.worker, b.worker));
        this.secBroadcast = secBroadcast;
        this.secStage = secStage;
    }

    /** Δ = (1/n) Σ Δᵢ over the n outer gradients received. */
    public float[] meanDelta() {
        float[] mean = new float[deltaSum.length];
        float scale = 1f / received;
        for (int i = 0; i < mean.length; i++) {
            mean[i] = deltaSum[i] * scale;
        }
        return mean;
    }

    /**
     * Seconds of the stage during which no worker was computing (scheduling, transfers, merging):
     * stage wall time minus the union of the workers' compute intervals.
     */
    public double secAggregate() {
        List<long[]> spans = new ArrayList<>();
        for (WorkerReport r : reports) {
            spans.add(new long[] {r.startMs, r.endMs});
        }
        spans.sort((a, b) -> Long.compare(a[0], b[0]));
        long busy = 0;
        long curStart = -1;
        long curEnd = -1;
        for (long[] s : spans) {
            if (s[0] > curEnd) {
                busy += curEnd - curStart;
                curStart = s[0];
                curEnd = s[1];
            } else {
                curEnd = Math.max(curEnd, s[1]);
            }
        }
        busy += curEnd - curStart;
        return Math.max(0, secStage - busy / 1000.0);
    }
}
