package diloco;

import diloco.RoundListener.Ending;
import diloco.RoundListener.Recovery;

import java.util.List;

/**
 * The outer loop of DiLoCo (Algorithm 1 of Douillard et al., 2023), around {@link DiLoCoRound}:
 *
 * <pre>
 *   for round r = (last completed) + 1 .. R:
 *       plan r: which workers take part, from which state, whose Δ is lost   (RoundPlanner)
 *       θ ← DiLoCoRound(θ, plan)                                             (inner steps, Δ, outer step)
 *       listeners: validate, record, report, checkpoint
 *       stop here if asked to
 * </pre>
 *
 * Spark-free: the workers are a {@link WorkerPool}. Everything around the rounds (validation,
 * metrics, checkpoints, progress, timeouts, the divergence guard) is a {@link RoundListener}.
 */
public final class DiLoCoLoop {
    private final DiLoCoRound round;
    private final RoundPlanner planner;
    private final StopSignal stop;
    private final List<RoundListener> listeners;

    public DiLoCoLoop(DiLoCoRound round, RoundPlanner planner, StopSignal stop, List<RoundListener> listeners) {
        this.round = round;
        this.planner = planner;
        this.stop = stop;
        this.listeners = List.copyOf(listeners);
    }

    /** Runs the rounds after {@code state.round()} up to the plan's last, updating θ in place. */
    public Ending run(float[] theta, LoopState state) {
        Ending ending = Ending.FAILED;
        try {
            listeners.forEach(l -> l.onStart(state, theta));
            ending = Ending.FINISHED;
            for (int r = state.round + 1; r <= planner.rounds(); r++) {
                long start = System.nanoTime();
                RoundPlan plan = planner.plan(r, state);
                DiLoCoRound.Result result = attempt(theta, plan);
                if (result == null) { // abandoned on a stop request: θ is as after round r-1
                    ending = Ending.STOPPED;
                    break;
                }
                RoundEnd end = new RoundEnd(plan, result, theta);
                listeners.forEach(l -> l.afterRound(end));
                end.metrics(RoundMetrics.of(plan, result, state.tokensTotal(), theta.length, end.valLoss(), end.secEval(),
                        (System.nanoTime() - start) / 1e9));
                state.advance(result, end.metrics());
                listeners.forEach(l -> l.onRoundEnd(end, state));
                if (stop.requested() && r < planner.rounds()) {
                    ending = Ending.STOPPED;
                    break;
                }
            }
            return ending;
        } catch (RuntimeException | Error e) {
            ending = Ending.FAILED;
            throw e;
        } finally {
            Ending how = ending;
            listeners.forEach(l -> l.onEnd(state, theta, how));
        }
    }

    /** One round, attempted again or given up as the listeners decide when it fails; null = abandoned. */
    private DiLoCoRound.Result attempt(float[] theta, RoundPlan plan) {
        for (int attempt = 1; ; attempt++) {
            int a = attempt;
            listeners.forEach(l -> l.onRoundStart(plan, a));
            try {
                return round.run(theta, plan);
            } catch (Exception e) { // Spark's exceptions are checked in Java's eyes
                Recovery recovery = Recovery.FAIL;
                for (RoundListener l : listeners) {
                    recovery = l.onRoundFailed(plan, attempt, e);
                    if (recovery != Recovery.FAIL) {
                        break;
                    }
                }
                switch (recovery) {
                    case RETRY:
                        continue;
                    case SKIP:
                        return DiLoCoRound.Result.nothingArrived();
                    case ABANDON:
                        return null;
                    default:
                        throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e.getMessage(), e);
                }
            }
        }
    }
}
