package diloco.experiments;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One configuration of an experiment suite: a name, the job options that make it (appended to
 * the suite's base options; the last of a repeated option wins), and how to account for its
 * communication. Baselines are configurations of the same DiLoCo loop, never separate code.
 */
public final class RunSpec {

    /** How a row's communication is counted. */
    public enum Communication {
        /** One worker alone: nothing to communicate. */
        NONE,
        /** Measured: the outer gradients and broadcasts of the DiLoCo rounds. */
        DILOCO,
        /** A data-parallel equivalent (one worker with k× batch): k workers exchanging every step. */
        DATA_PARALLEL
    }

    public final String name;
    /** The series a row belongs to in plots (e.g. "i.i.d." / "non-i.i.d."). */
    public final String series;
    /** The x value of a row in the suite's sweep plot (k, H, drop probability), or NaN. */
    public final double x;
    public final List<String> args;
    public final Communication communication;
    /** Workers a data-parallel equivalent stands for (its batch multiplier); else the run's k. */
    public final int equivalentWorkers;

    public RunSpec(String name, String series, double x, List<String> args, Communication communication,
            int equivalentWorkers) {
        this.name = name;
        this.series = series;
        this.x = x;
        this.args = Collections.unmodifiableList(new ArrayList<>(args));
        this.communication = communication;
        this.equivalentWorkers = equivalentWorkers;
    }

    /** File-system-safe name of the run's directory. */
    public String slug(long seed) {
        return name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("(^-|-$)", "")
                + "-seed" + seed;
    }
}
