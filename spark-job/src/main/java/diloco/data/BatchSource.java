package diloco.data;

/**
 * One worker's training batches, by global inner step: the inner trainer asks for the batch of a
 * step and never sees where the tokens live. The batch of a step must be a function of (seed,
 * worker, global step) alone, so that a retried task, a resumed run and any cut of the steps into
 * rounds see the same batches.
 */
public interface BatchSource {

    /** The worker whose data this is. */
    int worker();

    /** Fills {@code x} and {@code y} (each batch × context, row-major) with the inputs and targets of {@code globalStep}. */
    void fill(long globalStep, long[] x, long[] y);
}
