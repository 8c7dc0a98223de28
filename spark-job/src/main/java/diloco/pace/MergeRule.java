package diloco.pace;

/**
 * How the received outer gradients are combined ({@code --merge}): {@code MEAN}, (1/n) Σ Δᵢ;
 * {@code TOKENS}, Σ wᵢ Δᵢ with wᵢ proportional to the tokens worker i trained on this round.
 */
public enum MergeRule { MEAN, TOKENS }
