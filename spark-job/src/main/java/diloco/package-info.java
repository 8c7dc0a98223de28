/**
 * DiLoCo itself, free of Spark: the round ({@link diloco.DiLoCoRound}, Algorithm 1), the loop over
 * rounds ({@link diloco.DiLoCoLoop}), the plan of each round, the workers as the loop sees them
 * ({@link diloco.WorkerPool}), a round's metrics, and the listeners that every run attaches
 * around the rounds (validation, timeouts and stop requests, the divergence guard).
 */
package diloco;
