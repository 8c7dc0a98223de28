package diloco.exchange;

import diloco.data.Hashing;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Who does what in one round: the active workers, the round each of them last took part in (its
 * optimizer state comes from there), and which outer gradients are lost (simulated with
 * {@code --drop-probability}, a pure function of (seed, worker, round) so executors and driver agree).
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

    public RoundPlan(int round, boolean[] active, int[] previousRound, long seed, double dropProbability,
            int checkpointRound) {
        this.round = round;
        this.active = active.clone();
        this.previousRound = previousRound.clone();
        this.seed = seed;
        this.dropProbability = dropProbability;
        this.checkpointRound = checkpointRound;
    }

    /** Every one of k workers active, each last active in the round before (the plain DiLoCo round). */
    public static RoundPlan everyWorker(int round, int workers) {
        boolean[] active = new boolean[workers];
        Arrays.fill(active, true);
        int[] previous = new int[workers];
        Arrays.fill(previous, round - 1);
        return new RoundPlan(round, active, previous, 0, 0, 0);
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
