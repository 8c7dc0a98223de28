package diloco.state;

import ai.djl.ndarray.NDManager;

import diloco.model.ParamLayout;
import diloco.optim.AdamWState;

/**
 * What a worker keeps between its rounds: its AdamW state, and its own parameters θᵢ when its last
 * outer gradient was lost (it continues from them rather than from the global θ).
 *
 * @param optimizer     the AdamW moments and step count (native arrays; {@link #close} frees them)
 * @param ownParameters θᵢ at the end of the round, kept only when that round's Δ was dropped; else null
 */
public record WorkerState(AdamWState optimizer, float[] ownParameters) implements AutoCloseable {

    static WorkerState fresh(ParamLayout layout, NDManager parent) {
        return new WorkerState(AdamWState.fresh(layout, parent), null);
    }

    /** This state keeping {@code own} as its own parameters (null: none); the optimizer state is the same object. */
    public WorkerState withOwnParameters(float[] own) {
        return new WorkerState(optimizer, own);
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
