package diloco.pace;

import java.io.Serializable;

/**
 * How a run treats workers of different speeds: every option of the heterogeneous modes, and the
 * rules that turn measured paces into a round's inner steps and deadline. The defaults ({@link #SAME})
 * are the paper's DiLoCo: H steps each, the mean Δ, no deadline, once per round.
 *
 * @param stepsBy          H for all, or H in proportion to each worker's pace ({@code --inner-steps-by})
 * @param minInnerFraction with {@code pace}, no worker takes fewer than this fraction of H ({@code --min-inner-fraction})
 * @param merge            the mean of the Δs, or weighted by tokens ({@code --merge})
 * @param deadline         when a worker stops its inner steps ({@code --round-deadline})
 * @param slowdown         workers made slow on purpose ({@code --simulate-slowdown})
 * @param clock            wall or virtual ({@code --clock})
 * @param sync             once per round, or each Δ as it arrives ({@code --sync})
 */
public record Pacing(InnerStepsBy stepsBy, double minInnerFraction, MergeRule merge, RoundDeadline deadline,
        Slowdown slowdown, ClockKind clock, SyncMode sync) implements Serializable {

    /** The paper's DiLoCo: H steps each, mean Δ, no deadline, synchronous, wall clock. */
    public static final Pacing SAME = new Pacing(InnerStepsBy.FIXED, 0.25, MergeRule.MEAN, RoundDeadline.OFF,
            Slowdown.NONE, ClockKind.WALL, SyncMode.SYNC);

    /**
     * Whether a worker's batches and learning rate follow its own count of steps taken, rather than
     * (round − 1)·H: whenever workers may take different numbers of steps. Both agree as long as every
     * worker takes H steps every round.
     */
    public boolean countsOwnSteps() {
        return stepsBy == InnerStepsBy.PACE || !deadline.isOff() || sync == SyncMode.ASYNC;
    }

    /**
     * Each worker's inner steps this round. With {@code fixed}, H. With {@code pace}, H × its pace ÷
     * the fastest active worker's pace, rounded, and at least {@code ceil(minInnerFraction · H)} (and 1);
     * a worker with no measured pace (NaN) takes H.
     *
     * @param stepsPerSec each worker's last measured pace on the run's clock; NaN when unknown
     */
    public int[] innerSteps(int h, double[] stepsPerSec, boolean[] active) {
        int[] steps = new int[stepsPerSec.length];
        double fastest = 0;
        for (int w = 0; w < steps.length; w++) {
            if (active[w] && stepsPerSec[w] > fastest) {
                fastest = stepsPerSec[w];
            }
        }
        int floor = Math.max(1, (int) Math.ceil(minInnerFraction * h - 1e-9));
        for (int w = 0; w < steps.length; w++) {
            double pace = stepsPerSec[w];
            steps[w] = stepsBy == InnerStepsBy.FIXED || !(pace > 0) || fastest == 0 ? h
                    : Math.max(floor, Math.min(h, (int) Math.round(h * pace / fastest)));
        }
        return steps;
    }

    /**
     * This round's deadline in seconds on the run's clock (0 = none): {@code --round-deadline}, for
     * {@code auto} from the least expected time of the active workers with a measured pace.
     */
    public double deadline(int[] steps, double[] stepsPerSec, boolean[] active) {
        double fastest = Double.NaN;
        for (int w = 0; w < steps.length; w++) {
            if (active[w] && stepsPerSec[w] > 0) {
                double expected = steps[w] / stepsPerSec[w];
                fastest = Double.isNaN(fastest) ? expected : Math.min(fastest, expected);
            }
        }
        return deadline.at(fastest);
    }
}
