package diloco;

import diloco.exchange.WorkerReport;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The workers' side of one round, as it reaches the driver.
 *
 * @param deltaSum     Σ Δᵢ over the received outer gradients; null when none arrived
 * @param received     how many outer gradients arrived
 * @param weightSum    Σ of their weights (= received for the mean; see {@code --merge})
 * @param reports      every worker's report, by worker
 * @param secBroadcast time to broadcast θ
 * @param secStage     wall time of the distributed stage: inner steps, transfer and aggregation
 * @param bytesUp      bytes of the received outer gradients as they left the workers (encoded)
 * @param bytesUpPartials bytes of the fp32 partial sums that traveled further up the aggregation tree
 */
public record InnerRound(float[] deltaSum, int received, float weightSum, List<WorkerReport> reports, double secBroadcast,
        double secStage, long bytesUp, long bytesUpPartials) {

    public InnerRound {
        reports = new ArrayList<>(reports);
        reports.sort(Comparator.comparingInt(WorkerReport::worker));
        reports = List.copyOf(reports);
    }

    /** A round in which nothing arrived. */
    public static InnerRound empty() {
        return new InnerRound(null, 0, 0f, List.of(), 0, 0, 0, 0);
    }

    /**
     * Δ = (1/n) Σ Δᵢ over the n outer gradients received; weighted, Σ wᵢΔᵢ ÷ Σ wᵢ (the workers sent wᵢΔᵢ),
     * which is the mean bit for bit when every wᵢ is 1.
     */
    public float[] meanDelta() {
        float[] mean = new float[deltaSum.length];
        float scale = 1f / weightSum;
        for (int i = 0; i < mean.length; i++) {
            mean[i] = deltaSum[i] * scale;
        }
        return mean;
    }

    /** The longest of the workers' inner steps on the run's clock (0 when none ran). */
    public double secClockMax() {
        double most = 0;
        for (WorkerReport r : reports) {
            most = Math.max(most, r.timing().secClock());
        }
        return most;
    }

    /**
     * Seconds of the stage during which no worker was computing (scheduling, transfers, merging):
     * stage wall time minus the union of the workers' compute intervals.
     */
    public double secAggregate() {
        List<long[]> spans = new ArrayList<>();
        for (WorkerReport r : reports) {
            spans.add(new long[] {r.timing().startMs(), r.timing().endMs()});
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
