package diloco;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver's progress through a run, besides θ and the outer optimizer: what a checkpoint's
 * {@code state.json} holds so that a resumed run continues exactly where this one stopped.
 */
final class RunState {
    /** The last completed round (0 before the first). */
    int round;
    /** Per worker, the last round whose state it kept (0 = none yet): its next round continues from there. */
    final int[] lastActive;
    final List<Map<String, Object>> metrics = new ArrayList<>();
    int consecutiveBadRounds;
    Double initialValLoss;
    Double lastValLoss;
    long tokensTotal;

    RunState(int workers) {
        this.lastActive = new int[workers];
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("round", round);
        m.put("last_active", lastActive);
        m.put("consecutive_bad_rounds", consecutiveBadRounds);
        m.put("initial_val_loss", initialValLoss);
        m.put("last_val_loss", lastValLoss);
        m.put("tokens_total", tokensTotal);
        m.put("metrics", metrics);
        return m;
    }

    @SuppressWarnings("unchecked")
    static RunState fromMap(Map<String, Object> m, int workers) {
        RunState s = new RunState(workers);
        s.round = ((Number) m.get("round")).intValue();
        List<Number> active = (List<Number>) m.get("last_active");
        for (int i = 0; i < workers; i++) {
            s.lastActive[i] = active.get(i).intValue();
        }
        s.consecutiveBadRounds = ((Number) m.get("consecutive_bad_rounds")).intValue();
        s.initialValLoss = m.get("initial_val_loss") == null ? null : ((Number) m.get("initial_val_loss")).doubleValue();
        s.lastValLoss = m.get("last_val_loss") == null ? null : ((Number) m.get("last_val_loss")).doubleValue();
        s.tokensTotal = ((Number) m.get("tokens_total")).longValue();
        s.metrics.addAll((List<Map<String, Object>>) m.get("metrics"));
        return s;
    }
}
