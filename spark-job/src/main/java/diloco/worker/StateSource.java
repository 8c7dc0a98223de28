package diloco.worker;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where a worker's inner optimizer state came from at the start of a round: kept in executor
 * memory from round {@code round}, restored from a checkpoint of round {@code round}, or fresh
 * (zero moments) - expected in round 1, a loss of state later.
 */
public final class StateSource implements Serializable {
    private static final long serialVersionUID = 1L;

    public enum Kind { MEMORY, CHECKPOINT, FRESH }

    public final Kind kind;
    /** Round whose end the state reflects; 0 for fresh. */
    public final int round;

    public StateSource(Kind kind, int round) {
        this.kind = kind;
        this.round = round;
    }

    public Map<String, Object> toMap(int worker) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("worker", worker);
        m.put("source", kind.name().toLowerCase(java.util.Locale.ROOT));
        m.put("round", kind == Kind.FRESH ? null : round);
        return m;
    }
}
