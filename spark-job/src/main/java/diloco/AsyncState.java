package diloco;

import java.util.List;

/**
 * Where asynchronous DiLoCo stands at the end of a round, besides θ and the outer optimizer's
 * state (which holds the θ each worker in flight started from): recorded in state.json, so that a
 * resumed run restarts exactly the jobs that were in flight, from the same θ and state.
 *
 * @param nextJob  the id the next job will take (job ids stand where a round number stands in a
 *                 synchronous run: state files, seeds, reports)
 * @param clock    the run's clock now, in seconds (virtual, or wall seconds since the run started)
 * @param inFlight the workers' jobs now running, by worker
 * @param paces    per worker, its pace in its last job (inner steps per second on the run's clock); 0 = none yet
 */
public record AsyncState(int nextJob, double clock, List<Job> inFlight, List<Double> paces) {

    public AsyncState {
        inFlight = List.copyOf(inFlight);
        paces = paces == null ? List.of() : List.copyOf(paces);
    }

    /**
     * One worker's job.
     *
     * @param worker      the worker
     * @param job         its id
     * @param previousJob the job whose state it continues (0 = none)
     * @param firstStep   its first global inner step
     * @param steps       its inner steps
     * @param startedAt   when it started, on the run's clock
     */
    public record Job(int worker, int job, int previousJob, long firstStep, int steps, double startedAt) {}
}
