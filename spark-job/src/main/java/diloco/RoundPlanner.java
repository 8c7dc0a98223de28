package diloco;

import static diloco.config.Options.DROP_PROBABILITY;
import static diloco.config.Options.POOL_SCHEDULE;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.SEED;
import static diloco.config.Options.WORKERS;

import diloco.config.TrainConfig;

/**
 * Plans each round: which workers take part (the pool schedule), the round each last took part in
 * (its state continues from there), and whose outer gradient is lost (--drop-probability).
 */
public final class RoundPlanner {
    private final PoolSchedule pool;
    private final int workers;
    private final int rounds;
    private final long seed;
    private final double dropProbability;

    public RoundPlanner(TrainConfig cfg) {
        this.workers = cfg.get(WORKERS);
        this.rounds = cfg.get(ROUNDS);
        this.pool = cfg.get(POOL_SCHEDULE) == null ? PoolSchedule.all(workers) : PoolSchedule.parse(cfg.get(POOL_SCHEDULE), workers);
        this.seed = cfg.get(SEED);
        this.dropProbability = cfg.get(DROP_PROBABILITY);
    }

    /** The last round. */
    public int rounds() {
        return rounds;
    }

    public RoundPlan plan(int round, LoopState state) {
        boolean[] active = new boolean[workers];
        for (int w = 0; w < pool.active(round, rounds); w++) {
            active[w] = true;
        }
        return new RoundPlan(round, active, state.lastActive, seed, dropProbability, state.checkpointRound);
    }
}
