package diloco.inner;

import diloco.engine.Precision;
import diloco.optim.AdamWSettings;
import diloco.optim.LearningRateSchedule;

import java.io.Serializable;

/**
 * How every worker trains between two communications: H AdamW steps on batches of its own data,
 * the learning rate a function of the global inner step alone.
 *
 * @param steps     H, inner steps per round ({@code --inner-steps})
 * @param batchSize sequences per step ({@code --batch-size})
 * @param seed      with the worker and the global step, seeds each batch and dropout ({@code --seed})
 * @param lr        the inner learning rate by global step (warm-up, cosine decay)
 * @param adamw     AdamW's hyperparameters
 * @param precision the number format of the forward and backward ({@code --precision})
 */
public record InnerSettings(int steps, int batchSize, long seed, LearningRateSchedule lr, AdamWSettings adamw,
        Precision precision) implements Serializable {

    /** The first global inner step of 1-based round {@code round}: (round − 1) · H. */
    public long firstStep(int round) {
        return (long) (round - 1) * steps;
    }
}
