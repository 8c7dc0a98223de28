package diloco.exchange;

import java.io.Serializable;
import java.util.Locale;

/**
 * Where a worker's inner optimizer state came from at the start of a round: kept in executor
 * memory from round {@code round}, restored from disk (a checkpoint or an every-round file) of
 * round {@code round}, or fresh (zero moments): expected in round 1, a loss of state later.
 *
 * @param kind  memory, checkpoint or fresh
 * @param round the round whose end the state reflects; 0 for fresh
 */
public record StateSource(Kind kind, int round) implements Serializable {

    public enum Kind { MEMORY, CHECKPOINT, FRESH }

    public static StateSource fresh() {
        return new StateSource(Kind.FRESH, 0);
    }

    /** The kind as metrics name it: memory, checkpoint, fresh. */
    public String label() {
        return kind.name().toLowerCase(Locale.ROOT);
    }
}
