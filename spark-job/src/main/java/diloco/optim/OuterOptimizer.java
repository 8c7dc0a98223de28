package diloco.optim;

import java.io.Serializable;
import java.util.Map;

/**
 * The driver-side optimizer of DiLoCo: treats the averaged outer gradient Δ = θ − mean(θᵢ) as a
 * gradient and updates the global parameters in place. Plain float arrays: the outer step lives
 * off the accelerator, as in the paper.
 */
public interface OuterOptimizer extends Serializable {

    /** θ ← update(θ, Δ) at learning rate {@code lr} (this round's, see {@link OuterLrSchedule}), in place. */
    void step(float[] theta, float[] outerGradient, float lr);

    /** Named state vectors (momentum, moments) for checkpoints; live references. */
    Map<String, float[]> state();

    /** Restores a state saved from {@link #state()} (same names and sizes). */
    default void load(Map<String, float[]> saved) {
        for (Map.Entry<String, float[]> e : state().entrySet()) {
            float[] from = saved.get(e.getKey());
            if (from == null || from.length != e.getValue().length) {
                throw new IllegalArgumentException("saved outer state lacks '" + e.getKey() + "' of "
                        + e.getValue().length + " values (was it written by another --outer-optimizer?)");
            }
            System.arraycopy(from, 0, e.getValue(), 0, from.length);
        }
    }
}
