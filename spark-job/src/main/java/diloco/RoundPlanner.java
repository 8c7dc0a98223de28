package diloco;

import diloco.exchange.RoundPlan;
import diloco.pace.Pacing;

/**
 * Plans each round: which workers take part (the pool schedule), the round each last took part in
 * (its state continues from there), how many inner steps each takes from which global step, and
 * by when (the pacing, from the paces measured so far), and whose outer gradient is lost
 * (--drop-probability).
 *
 * @param pool            how many workers take part in each round
 * @param rounds          the last round
 * @param seed            seeds the simulated losses (with the worker and the round)
 * @param dropProbability each worker's outer gradient is lost with this probability per round
 * @param innerSteps      H
 * @param pacing          per-worker steps, deadlines, and whether steps are counted per worker
 */
public record RoundPlanner(PoolSchedule pool, int rounds, long seed, double dropProbability, int innerSteps,
        Pacing pacing) {

    public RoundPlan plan(int round, LoopState state) {
        int workers = state.lastActive().size();
        boolean[] active = new boolean[workers];
        for (int w = 0; w < pool.active(round, rounds); w++) {
            active[w] = true;
        }
        int[] previous = state.lastActive().stream().mapToInt(Integer::intValue).toArray();
        return new RoundPlan(round, active, previous, seed, dropProbability, state.checkpointRound(),
                steps(round, state, active));
    }

    private RoundPlan.Steps steps(int round, LoopState state, boolean[] active) {
        int workers = active.length;
        if (!pacing.countsOwnSteps()) {
            return RoundPlan.Steps.fixed(round, workers, innerSteps);
        }
        double[] paces = new double[workers];
        long[] first = new long[workers];
        for (int w = 0; w < workers; w++) {
            paces[w] = state.lastPace(w);
            first[w] = state.stepsTaken(w);
        }
        int[] count = pacing.innerSteps(innerSteps, paces, active);
        return new RoundPlan.Steps(first, count, pacing.deadline(count, paces, active));
    }
}
