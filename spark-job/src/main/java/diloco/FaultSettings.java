package diloco;

import java.io.Serializable;

/**
 * What a run does about failures, simulated and real.
 *
 * @param onWorkerFailure  fail the run, or drop a worker whose task failed every attempt (or a round that timed out)
 * @param taskMaxFailures  attempts of a worker's task, and of a timed-out round
 * @param maxOuterGradNorm exclude an outer gradient whose L2 norm is larger; 0 = no limit (non-finite ones always are)
 * @param maxBadRounds     fail after this many consecutive rounds in which every outer gradient was excluded
 * @param roundTimeout     seconds after which a round is cancelled; 0 = no limit
 * @param shutdownGrace    seconds a round may go on after a stop request before it is abandoned
 * @param dropProbability  each worker's outer gradient is lost with this probability per round (simulated)
 */
public record FaultSettings(OnWorkerFailure onWorkerFailure, int taskMaxFailures, double maxOuterGradNorm,
        int maxBadRounds, double roundTimeout, double shutdownGrace, double dropProbability) implements Serializable {

    /** Whether a worker that failed is dropped rather than failing the run. */
    public boolean dropFailedWorkers() {
        return onWorkerFailure == OnWorkerFailure.DROP;
    }

    /**
     * Task attempts a run needs: {@code --task-max-failures}, and in drop mode one more, the last,
     * which gives up instead of training (see the Spark worker task).
     */
    public int taskAttemptsNeeded() {
        return taskMaxFailures + (dropFailedWorkers() ? 1 : 0);
    }
}
