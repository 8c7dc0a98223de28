package diloco.experiments;

import diloco.option.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One configuration of an experiment suite: a name, the job settings that make it (applied after
 * the suite's base options; the last of a repeated option wins), and how to account for its
 * communication. Baselines are configurations of the same DiLoCo loop, never separate code.
 *
 * @param name the row's name; its slug names the run's directory
 * @param series the series a row belongs to in plots (e.g. "i.i.d." / "non-i.i.d.")
 * @param x the x value of a row in the suite's sweep plot (k, H, drop probability), or NaN
 * @param settings the job options it sets, in order
 * @param communication how its communication is counted
 * @param equivalentWorkers workers a data-parallel equivalent stands for (its batch multiplier); else the run's k
 */
public record RunSpec(String name, String series, double x, List<Setting<?>> settings, Communication communication,
        int equivalentWorkers) {

    /** How a row's communication is counted. */
    public enum Communication {
        /** One worker alone: nothing to communicate. */
        NONE,
        /** Measured: the outer gradients and broadcasts of the DiLoCo rounds. */
        DILOCO,
        /** A data-parallel equivalent (one worker with k× batch): k workers exchanging every step. */
        DATA_PARALLEL
    }

    /**
     * A job option a configuration sets: its value, checked, and the text a command line gives it.
     * The text is the value's own ({@link Option.Type#text}) unless the suite writes it otherwise
     * ({@code --outer-lr 1}, not {@code 1.0}): the printed commands and results.json keep their form.
     */
    public record Setting<T>(Option<T> option, T value, String text) {
        /** {@code value}, written as its type writes it. */
        public static <T> Setting<T> of(Option<T> option, T value) {
            option.check(option.flag(), value);
            return new Setting<>(option, value, option.type().text(value));
        }

        /** The value {@code text} gives the option, written as {@code text}. */
        public static <T> Setting<T> written(Option<T> option, String text) {
            return new Setting<>(option, option.parse(text), text);
        }

        /** The arguments that give it on the job's command line. */
        public List<String> args() {
            return option.type().isFlag() ? option.args(value) : List.of(option.flag(), text);
        }
    }

    public RunSpec {
        settings = List.copyOf(settings);
    }

    /** The job options of this configuration, as the job's command line takes them. */
    public List<String> args() {
        return args(settings);
    }

    /** {@code settings} as command-line arguments, in order. */
    static List<String> args(List<Setting<?>> settings) {
        List<String> args = new ArrayList<>();
        settings.forEach(s -> args.addAll(s.args()));
        return args;
    }

    /** The value this configuration sets for {@code option} (the last, as on a command line), or null. */
    public <T> T get(Option<T> option) {
        T value = null;
        for (Setting<?> s : settings) {
            if (s.option().equals(option)) {
                value = option.type().cast(s.value());
            }
        }
        return value;
    }

    /** This configuration with {@code more} settings after its own. */
    RunSpec with(List<Setting<?>> more) {
        List<Setting<?>> all = new ArrayList<>(settings);
        all.addAll(more);
        return new RunSpec(name, series, x, all, communication, equivalentWorkers);
    }

    /** File-system-safe name of the run's directory. */
    public String slug(long seed) {
        return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.]+", "-").replaceAll("(^-|-$)", "") + "-seed" + seed;
    }
}
