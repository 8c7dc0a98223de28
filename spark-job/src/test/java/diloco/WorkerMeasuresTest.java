package diloco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.exchange.StateSource;
import diloco.exchange.WorkerReport;

import org.junit.jupiter.api.Test;

import java.util.List;

/** Per-round measures of the workers worked by hand: their agreement (‖mean Δ‖² ÷ mean ‖Δᵢ‖²) and pace. */
class WorkerMeasuresTest {

    static WorkerReport report(int worker, double deltaNorm, boolean dropped) {
        return new WorkerReport(worker, 1, new WorkerReport.Training(10, 1, 1.0, deltaNorm, 1e-3, 1f), StateSource.fresh(),
                new WorkerReport.Placement("e", "h", "cpu()", 1, false, "onemkl", null, null), new WorkerReport.Timing(0, 0, 0, 0, 0, WorkerReport.Parts.NONE),
                new WorkerReport.Outcome(dropped, false, null));
    }

    @Test
    void agreementOfHandWorkedDeltas() {
        // Δ0 = Δ1 = (3, 4): mean (3, 4), ‖mean‖² 25, mean ‖Δᵢ‖² 25
        assertEquals(1.0, DiLoCoRound.agreement(5, List.of(report(0, 5, false), report(1, 5, false))), 1e-12);
        // Δ0 = (1, 0), Δ1 = (0, 1): mean (0.5, 0.5), ‖mean‖² 0.5, mean ‖Δᵢ‖² 1 -> 1/k with k = 2
        assertEquals(0.5, DiLoCoRound.agreement(Math.sqrt(0.5), List.of(report(0, 1, false), report(1, 1, false))), 1e-12);
        // four orthogonal unit Δs: ‖mean‖² = 4 · (1/4)² = 1/4
        assertEquals(0.25, DiLoCoRound.agreement(0.5, List.of(report(0, 1, false), report(1, 1, false),
                report(2, 1, false), report(3, 1, false))), 1e-12);
        // Δ0 = (1, 0), Δ1 = (-1, 0): they cancel
        assertEquals(0.0, DiLoCoRound.agreement(0, List.of(report(0, 1, false), report(1, 1, false))), 1e-12);
        // a dropped worker's Δ was not averaged: only worker 0 counts
        assertEquals(1.0, DiLoCoRound.agreement(2, List.of(report(0, 2, false), report(1, 7, true))), 1e-12);
        assertTrue(Double.isNaN(DiLoCoRound.agreement(0, List.of(report(0, 0, false)))), "no norm, no agreement");
    }

    /**
     * Each worker's pace and the time it waited: worker 0 trains 1,000 tokens in 2 s, worker 1 1,200
     * in 6 s, so 500 and 200 tokens/s, and worker 0 idles 4 s waiting for worker 1.
     */
    @Test
    void eachWorkersPaceAndIdleTime() {
        List<WorkerReport> reports = List.of(timed(0, 1000, 2000), timed(1, 1200, 6000));
        InnerRound in = new InnerRound(new float[] {0f}, 2, 2f, reports, 0, 6.5, 0, 0);
        RoundMetrics m = RoundMetrics.of(diloco.exchange.RoundPlan.everyWorker(1, 2, 10),
                new DiLoCoRound.Result(in, 0, 0, Double.NaN, 0.7f, Double.NaN, null), 0, 0, 1, null, 1.0,
                new RoundMetrics.Clock(0, 7));
        assertEquals(500.0, m.stateSource().get(0).tokensPerSec(), 1e-9);
        assertEquals(200.0, m.stateSource().get(1).tokensPerSec(), 1e-9);
        assertEquals(4.0, m.stateSource().get(0).secIdle(), 1e-9);
        assertEquals(0.0, m.stateSource().get(1).secIdle(), 1e-9);
    }

    static WorkerReport timed(int worker, long tokens, long ms) {
        return new WorkerReport(worker, 1, new WorkerReport.Training(tokens, 10, 1.0, 1.0, 1e-3, 1f), StateSource.fresh(),
                new WorkerReport.Placement("e", "h", "cpu()", 1, false, "onemkl", null, null), new WorkerReport.Timing(1000, 1000 + ms, 0, 0, ms / 1000.0, WorkerReport.Parts.NONE),
                new WorkerReport.Outcome(false, false, null));
    }
}
