package diloco.pace;

/**
 * How many inner steps each worker takes in a round ({@code --inner-steps-by}): {@code FIXED}, H for
 * every worker; {@code PACE}, H for the fastest worker and fewer for slower ones, in proportion to
 * the paces measured in their last round (Dynamic Local Updates, Liu et al. 2024).
 */
public enum InnerStepsBy { FIXED, PACE }
