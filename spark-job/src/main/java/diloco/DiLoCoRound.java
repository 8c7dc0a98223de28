package diloco;

import diloco.exchange.RoundPlan;
import diloco.exchange.WorkerReport;
import diloco.optim.OuterLrSchedule;
import diloco.optim.OuterOptimizer;
import diloco.pace.ClockKind;

import java.util.List;

/**
 * One round of DiLoCo, Algorithm 1 of Douillard et al. (2023):
 *
 * <pre>
 *   for each worker i in parallel:           (WorkerPool.innerSteps)
 *       θᵢ ← θ
 *       repeat H times: θᵢ ← AdamW(θᵢ, ∇L(x ~ Dᵢ))
 *       Δᵢ ← θ − θᵢ
 *   Δ ← (1/k) Σᵢ Δᵢ                          (averaged over the Δs received)
 *   θ ← OuterOpt(θ, Δ, lr(round))            (Nesterov momentum by default; lr constant unless scheduled)
 * </pre>
 *
 * A round in which no Δ arrives leaves θ and the outer state unchanged. The loop over rounds is
 * {@link DiLoCoLoop}.
 */
public final class DiLoCoRound implements RoundRunner {
    private final WorkerPool workers;
    private final OuterOptimizer outer;
    private final OuterLrSchedule outerLr;
    private final ClockKind clock;

    public DiLoCoRound(WorkerPool workers, OuterOptimizer outer, OuterLrSchedule outerLr, ClockKind clock) {
        this.workers = workers;
        this.outer = outer;
        this.outerLr = outerLr;
        this.clock = clock;
    }

    /** Runs one round as planned (which workers, which states), updating {@code theta} in place. */
    @Override
    public Result run(float[] theta, RoundPlan plan) {
        InnerRound inner = workers.innerSteps(theta, plan);
        long start = System.nanoTime();
        double outerGradNorm = Double.NaN;
        double agreement = Double.NaN;
        float lr = outerLr.at(plan.round);
        if (inner.received() > 0) {
            float[] delta = inner.meanDelta();
            outerGradNorm = norm(delta);
            agreement = agreement(outerGradNorm, inner.reports());
            outer.step(theta, delta, lr);
        }
        return new Result(inner, (System.nanoTime() - start) / 1e9, outerGradNorm, agreement, lr,
                clock == ClockKind.VIRTUAL ? inner.secClockMax() : Double.NaN, null); // side by side: as long as the slowest
    }

    /**
     * How much the workers' outer gradients agree: ‖mean Δ‖² ÷ mean ‖Δᵢ‖² over the Δs averaged (both
     * means weighted alike under {@code --merge tokens}). 1 when
     * all are equal; 1/k for k orthogonal Δs of equal norm; 0 when they cancel. Each worker sends its
     * ‖Δᵢ‖ already (its report), so it costs no extra traffic. NaN when a norm is missing.
     */
    static double agreement(double meanNorm, List<WorkerReport> reports) {
        double sumSq = 0;
        double weights = 0;
        for (WorkerReport r : reports) {
            if (r.rejected() == null && !r.outcome().dropped()) {
                double norm = r.training().deltaNorm();
                double w = r.training().weight(); // 1 for the mean; tokens-weighted with --merge tokens
                sumSq += w * norm * norm;
                weights += w;
            }
        }
        return weights == 0 || !(sumSq > 0) ? Double.NaN : meanNorm * meanNorm / (sumSq / weights);
    }

    static double norm(float[] v) {
        double sq = 0;
        for (float x : v) {
            sq += (double) x * x;
        }
        return Math.sqrt(sq);
    }

    /**
     * What a round did.
     *
     * @param inner         the workers' side
     * @param secOuter      time of the outer step
     * @param outerGradNorm ‖Δ‖ of the averaged outer gradient; NaN when no Δ arrived
     * @param agreement     ‖mean Δ‖² ÷ mean ‖Δᵢ‖² ({@link #agreement}); NaN when no Δ arrived
     * @param outerLr       this round's outer learning rate (applied only if a Δ arrived); NaN if never computed
     * @param secVirtual    the round's length on the virtual clock ({@code --clock virtual}); NaN on the wall clock
     * @param async         where asynchronous rounds stand after it; null for a synchronous round
     */
    public record Result(InnerRound inner, double secOuter, double outerGradNorm, double agreement, float outerLr,
            double secVirtual, AsyncState async) {

        /** A round that produced nothing (dropped whole): θ and the outer state were not touched. */
        public static Result nothingArrived() {
            return new Result(InnerRound.empty(), 0, Double.NaN, Double.NaN, Float.NaN, 0, null);
        }
    }
}
