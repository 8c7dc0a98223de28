package diloco;

import diloco.LoopEnd.Ending;
import diloco.RecoveryPolicy.Recovery;
import diloco.exchange.RoundPlan;

import java.util.List;

/**
 * The outer loop of DiLoCo (Algorithm 1 of Douillard et al., 2023), around {@link DiLoCoRound}:
 *
 * <pre>
 *   for round r = (last completed) + 1 .. R:
 *       plan r: which workers take part, from which state, whose Δ is lost   (RoundPlanner)
 *       θ ← DiLoCoRound(θ, plan)                  (inner steps, Δ, outer step; RecoveryPolicy on failure)
 *       measure θ                                                             (Evaluation)
 *       listeners: record, report, guard                                      (RoundListener)
 *       keep what a resume needs                                              (Checkpointer)
 *       stop here if asked to                                                 (StopSignal)
 * </pre>
 *
 * Spark-free: the workers are a {@link WorkerPool}. Everything around the rounds is plugged in:
 * validation, checkpoints, the decision on a failed round, stop requests, and the listeners.
 */
public final class DiLoCoLoop {
    private final RoundRunner round;
    private final RoundPlanner planner;
    private final Evaluation evaluation;
    private final Checkpointer checkpointer;
    private final RecoveryPolicy recovery;
    private final StopSignal stop;
    private final List<RoundListener> listeners;

    public DiLoCoLoop(RoundRunner round, RoundPlanner planner, Evaluation evaluation, Checkpointer checkpointer,
            RecoveryPolicy recovery, StopSignal stop, List<RoundListener> listeners) {
        this.round = round;
        this.planner = planner;
        this.evaluation = evaluation;
        this.checkpointer = checkpointer;
        this.recovery = recovery;
        this.stop = stop;
        this.listeners = List.copyOf(listeners);
    }

    /** Runs the rounds after {@code from.round()} up to the plan's last, updating θ in place; returns how it ended. */
    public LoopEnd run(float[] theta, LoopState from) {
        LoopState state = from;
        Ending ending = Ending.FINISHED;
        boolean abandoned = false;
        try {
            if (state.round() == 0) {
                state = state.withInitialValLoss(evaluation.initial(theta));
            }
            LoopStart start = new LoopStart(state, theta);
            listeners.forEach(l -> l.onStart(start));
            for (int r = state.round() + 1; r <= planner.rounds() && ending == Ending.FINISHED; r++) {
                long started = System.nanoTime();
                RoundPlan plan = planner.plan(r, state);
                DiLoCoRound.Result result = attempt(theta, plan);
                if (result == null) { // abandoned on a stop request: θ is as after round r-1
                    ending = Ending.STOPPED;
                    abandoned = true;
                } else {
                    state = finish(plan, result, theta, state, started);
                    ending = stop.requested() && r < planner.rounds() ? Ending.STOPPED : Ending.FINISHED;
                }
            }
            if (ending == Ending.STOPPED && state.round() > 0 && (!abandoned || round.checkpointsAfterAbandon())) {
                state = state.checkpointed(checkpointer.atStop(state, theta));
            }
        } catch (RuntimeException | Error e) {
            try {
                end(state, theta, Ending.FAILED);
            } catch (RuntimeException | Error also) {
                e.addSuppressed(also);
            }
            throw e;
        }
        return end(state, theta, ending);
    }

    /** A round's result measured, recorded, reported and kept; returns the state after it. */
    private LoopState finish(RoundPlan plan, DiLoCoRound.Result result, float[] theta, LoopState before, long started) {
        long evalStart = System.nanoTime();
        Double valLoss = evaluation.afterRound(plan.round, theta);
        double secEval = valLoss == null ? 0 : (System.nanoTime() - evalStart) / 1e9;
        RoundMetrics metrics = RoundMetrics.of(plan, result, before.tokensTotal(),
                RoundMetrics.clockAfter(before.metrics()), theta.length, valLoss,
                evaluation.tokensPerByte(), new RoundMetrics.Clock(secEval, (System.nanoTime() - started) / 1e9));
        LoopState after = before.after(metrics, result.inner().reports(), result.async());
        RoundEnd end = new RoundEnd(plan, result, metrics, after, theta);
        listeners.forEach(l -> l.onRoundEnd(end));
        return after.checkpointed(checkpointer.afterRound(after, theta));
    }

    private LoopEnd end(LoopState state, float[] theta, Ending ending) {
        LoopEnd end = new LoopEnd(state, theta, ending);
        listeners.forEach(l -> l.onEnd(end));
        return end;
    }

    /** One round, attempted again or given up as the recovery policy decides when it fails; null = abandoned. */
    private DiLoCoRound.Result attempt(float[] theta, RoundPlan plan) {
        for (int attempt = 1; ; attempt++) {
            RoundStart start = new RoundStart(plan, attempt);
            listeners.forEach(l -> l.onRoundStart(start));
            try {
                return round.run(theta, plan);
            } catch (Exception e) { // Spark's exceptions are checked in Java's eyes
                Recovery decision = recovery.decide(new RecoveryPolicy.Failure(plan, attempt, e));
                switch (decision) {
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
