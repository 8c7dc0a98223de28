package diloco;

import diloco.exchange.RoundPlan;

/**
 * What the loop runs each round: {@link DiLoCoRound}, the paper's synchronous round, or
 * {@link AsyncRounds}, asynchronous DiLoCo cut into rounds of k arrivals.
 */
public interface RoundRunner {

    /** Runs round {@code plan.round}, updating θ in place; throws when it fails (the loop's recovery policy decides). */
    DiLoCoRound.Result run(float[] theta, RoundPlan plan);

    /**
     * Whether, after a round was abandoned (a stop), the state after the previous round can still be
     * checkpointed. Asynchronous rounds have moved workers' states on by then: no.
     */
    default boolean checkpointsAfterAbandon() {
        return true;
    }
}
