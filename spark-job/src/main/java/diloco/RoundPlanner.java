package diloco;

import diloco.exchange.RoundPlan;

/**
 * Plans each round: which workers take part (the pool schedule), the round each last took part in
 * (its state continues from there), and whose outer gradient is lost (--drop-probability).
 */
public final class RoundPlanner {
    private final PoolSchedule pool;
    private final int rounds;
    private final long seed;
    private final double dropProbability;

    /** Rounds 1 .. {@code rounds} with {@code pool}'s workers; Δs lost with {@code dropProbability}, seeded by {@code seed}. */
    public RoundPlanner(PoolSchedule pool, int rounds, long seed, double dropProbability) {
        this.pool = pool;
        this.rounds = rounds;
        this.seed = seed;
        this.dropProbability = dropProbability;
    }

    /** The last round. */
    public int rounds() {
        return rounds;
    }

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
