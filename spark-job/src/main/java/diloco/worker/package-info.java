/**
 * The executor side: one worker's round θ → Δ ({@link diloco.worker.InnerLoop}), its state between
 * rounds behind {@link diloco.worker.WorkerStates}, validation, and the PyTorch engine of the JVM.
 */
package diloco.worker;
