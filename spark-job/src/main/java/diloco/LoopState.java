package diloco;

import diloco.io.Records;
import diloco.worker.WorkerReport;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver's progress through a run, besides θ and the outer optimizer: what the loop and its
 * listeners share, and what a checkpoint's {@code state.json} holds so that a resumed run
 * continues exactly where this one stopped.
 */
public final class LoopState {
    /** The last completed round (0 before the first). */
    int round;
    /** Per worker, the last round whose state it kept (0 = none yet): its next round continues from there. */
    final int[] lastActive;
    final List<RoundMetrics> metrics = new ArrayList<>();
    /** The newest complete checkpoint (0 = none): where a worker that lost its state finds it. */
    int checkpointRound;
    /** Consecutive rounds in which every outer gradient was rejected (the divergence guard's count). */
    public int consecutiveBadRounds;
    Double initialValLoss;
    Double lastValLoss;

    public LoopState(int workers) {
        this.lastActive = new int[workers];
    }

    public int round() {
        return round;
    }

    public int checkpointRound() {
        return checkpointRound;
    }

    public void checkpointed(int r) {
        checkpointRound = r;
    }

    /** Per worker, the last round whose state it kept (0 = none); a copy. */
    public int[] lastActive() {
        return lastActive.clone();
    }

    public List<RoundMetrics> metrics() {
        return List.copyOf(metrics);
    }

    public Double initialValLoss() {
        return initialValLoss;
    }

    /** The validation loss after the last validated round; null before one. */
    public Double lastValLoss() {
        return lastValLoss;
    }

    /** The initial model's validation loss (measured before round 1). */
    void initialValidation(double loss) {
        initialValLoss = loss;
    }

    public long tokensTotal() {
        return metrics.isEmpty() ? 0 : metrics.get(metrics.size() - 1).tokensTotal();
    }

    /** Records a finished round: its metrics, and which workers kept a state of it. */
    void advance(DiLoCoRound.Result result, RoundMetrics m) {
        for (WorkerReport w : result.inner().reports()) {
            if (w.rejected() == null) {
                lastActive[w.worker()] = m.round(); // a rejected worker's state is suspect: it was not kept
            }
        }
        if (m.valLoss() != null) {
            lastValLoss = m.valLoss();
        }
        metrics.add(m);
        round = m.round();
    }

    /** For state.json. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("round", round);
        m.put("last_active", lastActive);
        m.put("consecutive_bad_rounds", consecutiveBadRounds);
        m.put("initial_val_loss", initialValLoss);
        m.put("last_val_loss", lastValLoss);
        m.put("tokens_total", tokensTotal());
        List<Map<String, Object>> lines = new ArrayList<>();
        metrics.forEach(r -> lines.add(Records.toJson(r)));
        m.put("metrics", lines);
        return m;
    }

    /** The state a checkpoint of round {@code checkpointRound} holds. */
    @SuppressWarnings("unchecked")
    public static LoopState fromMap(Map<String, Object> m, int workers, int checkpointRound) {
        LoopState s = new LoopState(workers);
        s.round = ((Number) m.get("round")).intValue();
        List<Number> active = (List<Number>) m.get("last_active");
        for (int i = 0; i < workers; i++) {
            s.lastActive[i] = active.get(i).intValue();
        }
        s.consecutiveBadRounds = ((Number) m.get("consecutive_bad_rounds")).intValue();
        s.initialValLoss = m.get("initial_val_loss") == null ? null : ((Number) m.get("initial_val_loss")).doubleValue();
        s.lastValLoss = m.get("last_val_loss") == null ? null : ((Number) m.get("last_val_loss")).doubleValue();
        for (Map<String, Object> line : (List<Map<String, Object>>) m.get("metrics")) {
            s.metrics.add(Records.fromJson(RoundMetrics.class, line));
        }
        s.checkpointRound = checkpointRound;
        return s;
    }
}
