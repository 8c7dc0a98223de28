package diloco.exchange;

import diloco.data.Hashing;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Who does what in one round: the active workers, the round each of them last took part in (its
 * optimizer state comes from there), the inner steps each takes (which global steps, how many, and
 * the deadline), and which outer gradients are lost (simulated with {@code --drop-probability}, a
 * pure function of (seed, worker, round) so executors and driver agree).
 */
public final class RoundPlan implements Serializable {
    private static final long serialVersionUID = 1L;

    public final int round;
    private final boolean[] active;
    private final int[] previousRound;
    private final long seed;
    private final double dropProbability;
    /** The newest complete checkpoint (0 = none): where a worker that lost its state restores it from. */
    public final int checkpointRound;
    private final Steps steps;

    /**
     * Each worker's inner steps in a round.
     *
     * @param first    per worker, the global inner step it starts at (its batches and learning rate follow from it)
     * @param count    per worker, the steps it takes (its H this round)
     * @param deadline seconds on the run's clock after which it stops early; 0 = none
     */
    public record Steps(long[] first, int[] count, double deadline) implements Serializable {

        /** H steps each, starting at global step (round − 1)·H, no deadline: the paper's round. */
        public static Steps fixed(int round, int workers, int h) {
            long[] first = new long[workers];
            Arrays.fill(first, (long) (round - 1) * h);
            int[] count = new int[workers];
            Arrays.fill(count, h);
            return new Steps(first, count, 0);
        }
    }

    public RoundPlan(int round, boolean[] active, int[] previousRound, long seed, double dropProbability,
            int checkpointRound, Steps steps) {
        this.round = round;
        this.active = active.clone();
        this.previousRound = previousRound.clone();
        this.seed = seed;
        this.dropProbability = dropProbability;
        this.checkpointRound = checkpointRound;
        this.steps = new Steps(steps.first().clone(), steps.count().clone(), steps.deadline());
    }

    /** Every one of k workers active for H steps, each last active in the round before (the plain DiLoCo round). */
    public static RoundPlan everyWorker(int round, int workers, int h) {
        boolean[] active = new boolean[workers];
        Arrays.fill(active, true);
        int[] previous = new int[workers];
        Arrays.fill(previous, round - 1);
        return new RoundPlan(round, active, previous, 0, 0, 0, Steps.fixed(round, workers, h));
    }

    /** The global inner step {@code worker} starts this round at. */
    public long firstStep(int worker) {
        return steps.first()[worker];
    }

    /** The inner steps {@code worker} takes this round (fewer if the deadline ends them). */
    public int innerSteps(int worker) {
        return steps.count()[worker];
    }

    /** The most inner steps any active worker takes this round: the reference of token weights. */
    public int mostInnerSteps() {
        int most = 0;
        for (int w = 0; w < active.length; w++) {
            most = active[w] ? Math.max(most, steps.count()[w]) : most;
        }
        return most;
    }

    /** Seconds on the run's clock after which each worker stops its inner steps; 0 = none. */
    public double deadline() {
        return steps.deadline();
    }

    public boolean isActive(int worker) {
        return active[worker];
    }

    public int activeCount() {
        int n = 0;
        for (boolean a : active) {
            n += a ? 1 : 0;
        }
        return n;
    }

    public int workers() {
        return active.length;
    }

    /** The last round before this one in which {@code worker} took part; 0 if none. */
    public int previousRound(int worker) {
        return previousRound[worker];
    }

    /** Whether {@code worker}'s outer gradient of {@code round} is lost. */
    public boolean isDropped(int worker, int someRound) {
        return dropProbability > 0
                && Hashing.unit(Hashing.mix(seed, worker, someRound, 0x64726f70L)) < dropProbability;
    }

    /**
     * A worker continues from its own parameters (instead of θ) when its outer gradient was lost
     * in the round just before, as in the paper; a worker rejoining after a pause starts from θ.
     */
    public boolean continuesFromOwnParameters(int worker) {
        int prev = previousRound[worker];
        return prev > 0 && prev == round - 1 && isDropped(worker, prev);
    }
}
