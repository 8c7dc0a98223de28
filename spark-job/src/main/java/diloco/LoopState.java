package diloco;

import diloco.exchange.WorkerReport;
import diloco.io.Records;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The driver's progress through a run, besides θ and the outer optimizer: what the loop and its
 * plug-ins read, and what a checkpoint's {@code state.json} holds so that a resumed run continues
 * exactly where this one stopped (written and read by {@link Records}). Immutable: each round
 * makes a new one.
 *
 * @param round                the last completed round (0 before the first)
 * @param lastActive           per worker, the last round whose state it kept (0 = none yet): its next round
 *                             continues from there
 * @param checkpointRound      the newest complete checkpoint (0 = none): where a worker that lost its state finds it
 * @param stepsTaken           per worker, the inner steps it has taken and kept (its own global step, where
 *                             {@link diloco.pace.Pacing#countsOwnSteps} makes batches and learning rate follow it)
 * @param consecutiveBadRounds rounds in a row in which every outer gradient was rejected (the divergence guard's count)
 * @param initialValLoss       the initial model's validation loss; null when not measured
 * @param lastValLoss          the validation loss after the last validated round; null before one
 * @param metrics              every round's metrics so far
 * @param async                where asynchronous rounds stand (jobs in flight, the clock); null in a synchronous run
 */
public record LoopState(int round, List<Integer> lastActive, List<Long> stepsTaken, int checkpointRound,
        int consecutiveBadRounds, Double initialValLoss, Double lastValLoss, List<RoundMetrics> metrics,
        AsyncState async) {

    public LoopState {
        lastActive = List.copyOf(lastActive);
        // a checkpoint from before the count was kept: every worker took H steps a round, counted by round
        stepsTaken = stepsTaken == null ? Collections.nCopies(lastActive.size(), 0L) : List.copyOf(stepsTaken);
        metrics = List.copyOf(metrics);
    }

    /** Before the first round of a run of {@code workers} workers. */
    public static LoopState start(int workers) {
        return new LoopState(0, Collections.nCopies(workers, 0), Collections.nCopies(workers, 0L), 0, 0, null, null,
                List.of(), null);
    }

    /** The inner steps {@code worker} has taken and kept so far. */
    public long stepsTaken(int worker) {
        return stepsTaken.get(worker);
    }

    /** {@code worker}'s pace in its last round with steps, in inner steps per second of the run's clock; NaN if none. */
    public double lastPace(int worker) {
        for (int i = metrics.size() - 1; i >= 0; i--) {
            for (RoundMetrics.WorkerSource w : metrics.get(i).stateSource()) {
                if (w.worker() == worker && Double.isFinite(w.stepsPerSec())) {
                    return w.stepsPerSec();
                }
            }
        }
        return Double.NaN;
    }

    /** Tokens trained on since the start of the run. */
    public long tokensTotal() {
        return metrics.isEmpty() ? 0 : metrics.get(metrics.size() - 1).participation().tokensTotal();
    }

    /** The last round whose state {@code worker} kept (0 = none): its next round continues from there. */
    public int lastActive(int worker) {
        return lastActive.get(worker);
    }

    /** The initial model measured. */
    LoopState withInitialValLoss(Double loss) {
        return new LoopState(round, lastActive, stepsTaken, checkpointRound, consecutiveBadRounds, loss, lastValLoss,
                metrics, async);
    }

    /** A checkpoint of round {@code r} is complete (or, when {@code r} is the old one, none was written). */
    public LoopState checkpointed(int r) {
        return new LoopState(round, lastActive, stepsTaken, r, consecutiveBadRounds, initialValLoss, lastValLoss, metrics,
                async);
    }

    /**
     * After round {@code m.round()}: its metrics recorded, each worker that kept a state noted with
     * the round (asynchronous: the job) of it (a rejected worker's state is suspect: it was not kept),
     * and the divergence count updated (a round is bad when no outer gradient arrived and some were
     * rejected). {@code async}: where asynchronous rounds stand now, or null.
     */
    LoopState after(RoundMetrics m, List<WorkerReport> reports, AsyncState async) {
        List<Integer> active = new ArrayList<>(lastActive);
        List<Long> steps = new ArrayList<>(stepsTaken);
        for (WorkerReport w : reports) {
            if (w.rejected() == null) {
                active.set(w.worker(), w.round());
                steps.set(w.worker(), steps.get(w.worker()) + w.training().steps());
            }
        }
        RoundMetrics.Participation p = m.participation();
        boolean bad = p.deltasReceived() == 0 && p.deltasRejected() > 0;
        List<RoundMetrics> all = new ArrayList<>(metrics);
        all.add(m);
        Double val = m.losses().valLoss() != null ? m.losses().valLoss() : lastValLoss;
        return new LoopState(m.round(), active, steps, checkpointRound, bad ? consecutiveBadRounds + 1 : 0, initialValLoss,
                val, all, async);
    }

    /** For state.json. */
    public Map<String, Object> toJson() {
        return Records.toJson(this);
    }

    /** The state a checkpoint of round {@code checkpointRound} holds. */
    public static LoopState fromJson(Map<String, Object> json, int checkpointRound) {
        return Records.fromJson(LoopState.class, json).checkpointed(checkpointRound);
    }
}
