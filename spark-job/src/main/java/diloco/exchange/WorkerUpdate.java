package diloco.exchange;

import diloco.codec.EncodedDelta;

import java.io.Serializable;

/**
 * A worker's result for one round.
 *
 * @param delta  its outer gradient Δᵢ = θ − θᵢ, encoded as it leaves the task ({@code --outer-grad-dtype});
 *               null when lost or excluded
 * @param report what it did
 */
public record WorkerUpdate(EncodedDelta delta, WorkerReport report) implements Serializable {
}
