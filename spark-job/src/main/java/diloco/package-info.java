/**
 * DiLoCo itself, free of Spark: the round ({@link diloco.DiLoCoRound}, Algorithm 1, or
 * {@link diloco.AsyncRounds}, asynchronous DiLoCo in rounds of k arrivals), the loop over
 * rounds ({@link diloco.DiLoCoLoop}), the plan of each round ({@link diloco.RoundPlanner}), the
 * workers as the loop sees them ({@link diloco.WorkerPool}), a round's metrics and the loop's
 * state. Around the loop: what it asks ({@link diloco.Evaluation}, {@link diloco.Checkpointer},
 * {@link diloco.RecoveryPolicy}, {@link diloco.StopSignal}) and who watches it
 * ({@link diloco.RoundListener}: the round watch, the divergence guard, and what entry points add).
 */
package diloco;
