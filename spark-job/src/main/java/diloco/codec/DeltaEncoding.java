package diloco.codec;

import java.io.Serializable;
import java.util.SplittableRandom;

/**
 * How each worker encodes its outer gradient before it leaves the task ({@code --outer-grad-dtype},
 * {@code --outer-grad-rounding}, {@code --outer-grad-prune}).
 *
 * @param dtype    the number format sent
 * @param rounding to nearest, or stochastic (unbiased)
 * @param prune    the fraction of each block's smallest values left out, in [0, 1)
 */
public record DeltaEncoding(OuterGradDtype dtype, Rounding rounding, double prune) implements Serializable {

    /** Δ as sent; stochastic rounding draws from a stream seeded by {@code seed}, so a retried task sends the same bytes. */
    public EncodedDelta encode(float[] delta, long seed) {
        return EncodedDelta.encode(delta, dtype, prune, rounding == Rounding.STOCHASTIC, new SplittableRandom(seed));
    }
}
