/**
 * Workers of different speeds: how many inner steps each takes ({@link diloco.pace.Pacing}), how
 * their outer gradients are weighed ({@link diloco.pace.MergeRule}), round deadlines
 * ({@link diloco.pace.RoundDeadline}), the clock all of it is measured by, simulated slow workers
 * ({@link diloco.pace.WorkerClock}), and synchronous or asynchronous outer steps
 * ({@link diloco.pace.SyncMode}).
 */
package diloco.pace;
