package diloco.optim;

import java.io.Serializable;

/**
 * AdamW's hyperparameters ({@code --inner-beta1}, {@code --inner-beta2}, {@code --inner-eps},
 * {@code --weight-decay}, {@code --grad-clip}).
 *
 * @param beta1       decay of the first moment
 * @param beta2       decay of the second moment
 * @param eps         added to √v
 * @param weightDecay decoupled weight decay, on matrices and embeddings only
 * @param gradClip    clip gradients to this global L2 norm; 0 disables
 */
public record AdamWSettings(float beta1, float beta2, float eps, float weightDecay, float gradClip)
        implements Serializable {
}
