package diloco;

/**
 * Callbacks of {@link DiLoCoLoop}, in the spirit of Keras and Lightning callbacks: validation,
 * metrics files, charts, progress lines, checkpoints, timeouts and the divergence guard attach
 * here, so the loop stays Algorithm 1 and an entry point (command line, experiments, Spark ML
 * Estimator) differs from another only in the listeners it attaches. Called in the order given,
 * on the driver.
 */
public interface RoundListener {

    /** How a failed round goes on; the first listener that does not answer FAIL decides. */
    enum Recovery {
        /** The run fails with the round's error. */
        FAIL,
        /** Run the round again. */
        RETRY,
        /** Go on as if no outer gradient had arrived (θ and the outer state unchanged). */
        SKIP,
        /** Stop the run after the previous round. */
        ABANDON
    }

    /** How the loop ended. */
    enum Ending { FINISHED, STOPPED, FAILED }

    /** Before the first round of this (possibly resumed) run. */
    default void onStart(LoopState state, float[] theta) {}

    /** Before each attempt at a round. */
    default void onRoundStart(RoundPlan plan, int attempt) {}

    /** An attempt at a round threw; decide how to go on. */
    default Recovery onRoundFailed(RoundPlan plan, int attempt, Exception error) {
        return Recovery.FAIL;
    }

    /** The round's outer step is done; measure θ (validation) before the round's metrics are made. */
    default void afterRound(RoundEnd round) {}

    /** The round is complete: its metrics are final and in {@code state}. */
    default void onRoundEnd(RoundEnd round, LoopState state) {}

    /** After the last round, a stop, or a failure (then the error propagates after this call). */
    default void onEnd(LoopState state, float[] theta, Ending ending) {}
}
