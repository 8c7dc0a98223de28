package diloco;

import diloco.exchange.RoundPlan;

/**
 * How the loop goes on when an attempt at a round fails (a task failed for good, the round was
 * cancelled for a timeout or a stop): a decision, kept apart from the listeners that watch.
 */
@FunctionalInterface
public interface RecoveryPolicy {

    /** Every failure fails the run. */
    RecoveryPolicy FAIL = failure -> Recovery.FAIL;

    /** The loop's options after a failed attempt. */
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

    /**
     * An attempt that failed.
     *
     * @param plan    the round's plan
     * @param attempt which attempt (1 = the first)
     * @param error   what it threw
     */
    record Failure(RoundPlan plan, int attempt, Exception error) {}

    Recovery decide(Failure failure);
}
