package diloco.worker;

import java.io.Serializable;

/**
 * A worker's result for one round.
 *
 * @param delta  its outer gradient Δᵢ = θ − θᵢ; null when lost or excluded
 * @param report what it did
 */
public record WorkerUpdate(float[] delta, WorkerReport report) implements Serializable {
}
