package diloco.state;

import ai.djl.ndarray.NDManager;

import diloco.exchange.StateSource;
import diloco.io.FileEntry;
import diloco.model.ParamLayout;

import java.io.IOException;
import java.io.Serializable;

/**
 * Where workers keep their state between rounds (AdamW moments, and θᵢ after a lost Δ). The worker
 * task sees only this: it checks a state out at the start of a round and commits it at the end.
 * {@link #inMemory} keeps states in the executor's memory only;
 * {@link KeptStates} adds the files a lost executor or a resumed run restores
 * them from. Shipped to executors with each round.
 */
public interface WorkerStates extends Serializable {

    /** A working copy of a state, and where it came from. */
    record Checkout(WorkerState state, StateSource source) {}

    /**
     * A working copy (owned by the caller, in a sub-manager of {@code parent}) of the state
     * {@code worker} left at the end of {@code previousRound}; fresh when there is none (always
     * for round 0). {@code checkpointRound} is the newest complete checkpoint (0 = none).
     */
    Checkout checkout(int worker, int previousRound, int checkpointRound, ParamLayout layout, NDManager parent)
            throws IOException;

    /**
     * Keeps {@code state} (ownership passes here) as {@code worker}'s state at the end of
     * {@code round}; the one of {@code previousRound} stays until then for a retried task.
     * Returns the seconds spent writing it to disk (0 when kept in memory only).
     */
    double commit(int worker, int previousRound, int round, WorkerState state, ParamLayout layout) throws IOException;

    /**
     * Writes the state {@code worker} kept at the end of {@code round} into checkpoint directory
     * {@code dir}; returns its manifest entry, or null when the worker has no state to write.
     */
    FileEntry save(int worker, int round, int checkpointRound, String dir, ParamLayout layout, NDManager parent)
            throws IOException;

    /** States in executor memory only, under {@code runId} (tests, and code that writes no files). */
    static WorkerStates inMemory(String runId) {
        return new WorkerStates() {
            private static final long serialVersionUID = 1L;

            @Override
            public Checkout checkout(int worker, int previousRound, int checkpointRound, ParamLayout layout,
                    NDManager parent) {
                return WorkerStateStore.get().checkout(runId, worker, previousRound, layout, parent);
            }

            @Override
            public double commit(int worker, int previousRound, int round, WorkerState state, ParamLayout layout) {
                WorkerStateStore.get().commit(runId, worker, previousRound, round, state);
                return 0;
            }

            @Override
            public FileEntry save(int worker, int round, int checkpointRound, String dir, ParamLayout layout,
                    NDManager parent) {
                throw new UnsupportedOperationException("states kept in memory only cannot be saved");
            }
        };
    }
}
