package diloco.worker;

import ai.djl.ndarray.NDManager;

import diloco.model.ParamLayout;
import diloco.optim.AdamWState;

/**
 * What a worker keeps between its rounds: its AdamW state, and its own parameters θᵢ when its last
 * outer gradient was lost (it continues from them rather than from the global θ).
 */
public final class WorkerState implements AutoCloseable {
    public final AdamWState optimizer;
    /** θᵢ at the end of the round, kept only when that round's Δ was dropped; else null. */
    public float[] ownParameters;

    WorkerState(AdamWState optimizer, float[] ownParameters) {
        this.optimizer = optimizer;
        this.ownParameters = ownParameters;
    }

    /** A state from its parts (e.g. read back from a file). */
    public static WorkerState of(AdamWState optimizer, float[] ownParameters) {
        return new WorkerState(optimizer, ownParameters);
    }

    static WorkerState fresh(ParamLayout layout, NDManager parent) {
        return new WorkerState(AdamWState.fresh(layout, parent), null);
    }

    /** A copy whose optimizer state is independent (θᵢ is never modified in place, so it is shared). */
    WorkerState copy(NDManager parent) {
        return new WorkerState(optimizer.copy(parent), ownParameters);
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
