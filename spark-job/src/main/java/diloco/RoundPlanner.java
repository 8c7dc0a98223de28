package diloco;

import diloco.exchange.RoundPlan;

/**
 * Plans each round: which workers take part (the pool schedule), the round each last took part in
 * (its state continues from there), and whose outer gradient is lost (--drop-probability).
 *
 * @param pool            how many workers take part in each round
 * @param rounds          the last round
 * @param seed            seeds the simulated losses (with the worker and the round)
 * @param dropProbability each worker's outer gradient is lost with this probability per round
 */
public record RoundPlanner(PoolSchedule pool, int rounds, long seed, double dropProbability) {

    public RoundPlan plan(int round, LoopState state) {
        int workers = state.lastActive().size();
        boolean[] active = new boolean[workers];
        for (int w = 0; w < pool.active(round, rounds); w++) {
            active[w] = true;
        }
        int[] previous = state.lastActive().stream().mapToInt(Integer::intValue).toArray();
        return new RoundPlan(round, active, previous, seed, dropProbability, state.checkpointRound());
    }
}
