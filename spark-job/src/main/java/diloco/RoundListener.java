package diloco;

/**
 * Watches {@link DiLoCoLoop}, in the spirit of Keras and Lightning callbacks: metrics files,
 * charts, progress lines, placement notes, timeouts and the divergence guard attach here, so the
 * loop stays Algorithm 1 and an entry point (command line, experiments, Spark ML Estimator) differs
 * from another only in what it attaches. Each callback takes one event, complete and immutable
 * when it is called. Listeners watch; they do not steer: how a failed round goes on is the loop's
 * {@link RecoveryPolicy}, validation its {@link Evaluation}, checkpoints its {@link Checkpointer}.
 * A listener may still end the run by throwing (the divergence guard does). Called in the order
 * given, on the driver.
 */
public interface RoundListener {

    /** Before the first round of this (possibly resumed) run. */
    default void onStart(LoopStart start) {}

    /** Before each attempt at a round. */
    default void onRoundStart(RoundStart start) {}

    /** A round is complete: validated, its metrics final and in the state. */
    default void onRoundEnd(RoundEnd end) {}

    /** After the last round, a stop, or a failure. */
    default void onEnd(LoopEnd end) {}
}
