/**
 * A worker's state between its rounds ({@link diloco.state.WorkerState}: AdamW moments, and θᵢ
 * after a lost Δ) behind one interface, {@link diloco.state.WorkerStates}: checked out at the start
 * of a round, committed at its end. The executor's memory is one tier
 * ({@link diloco.state.WorkerStateStore}); {@link diloco.state.KeptStates} adds the files on disk
 * that a lost executor or a resumed run restores from ({@link diloco.state.WorkerStateFiles}).
 */
package diloco.state;
