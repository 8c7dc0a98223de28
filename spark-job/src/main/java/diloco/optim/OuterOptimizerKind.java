package diloco.optim;

/** The driver-side optimizer applied to the averaged outer gradient. */
public enum OuterOptimizerKind { NESTEROV, SGD, ADAM }
