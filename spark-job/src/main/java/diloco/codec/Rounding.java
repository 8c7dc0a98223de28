package diloco.codec;

/** How compressed outer gradients are rounded. */
public enum Rounding { NEAREST, STOCHASTIC }
