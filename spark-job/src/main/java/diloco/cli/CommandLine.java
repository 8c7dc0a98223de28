package diloco.cli;

import static diloco.config.Options.DATA;
import static diloco.config.Options.OUT;

import diloco.config.Options;
import diloco.config.OptionsFile;
import diloco.config.TrainConfig;
import diloco.option.Option;
import diloco.option.UserError;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The training job's command line, derived from {@link Options}: parsing and {@code --help} read
 * the same table, so they cannot disagree. Option names are a public interface (Airflow DAGs and
 * notebooks use them). The other commands and tools (generate, evaluate, the experiments runner,
 * the benchmarks) parse and document their own tables here too.
 */
public final class CommandLine {
    private static final int HELP_COLUMN = 38;
    private static final int HELP_WIDTH = 110;

    private CommandLine() {}

    /** Parses the job's arguments: {@code --name value} or {@code --name=value}; the last of a repeated option wins. */
    public static TrainConfig parse(String[] args) {
        TrainConfig.Builder b = options(args);
        TrainConfig c = b.build();
        UserError.check(c.get(DATA) != null && !c.get(DATA).isBlank(), "--data is required");
        return c;
    }

    /** The options given, unchecked as a whole (for callers that add their own); each value is checked. */
    static TrainConfig.Builder options(String[] args) {
        TrainConfig.Builder b = TrainConfig.builder();
        if (!values(Options.all(), withConfigFile(args), b::set).contains(OUT)) {
            b.set(OUT, "runs/diloco-" + java.time.LocalDateTime.now().format(
                    java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return b;
    }

    /** The options given to a command, parsed and checked; defaults for the others. */
    public static final class Values {
        private final Map<String, Object> given = new LinkedHashMap<>();

        public <T> T get(Option<T> o) {
            Object v = given.get(o.key());
            return v == null ? o.defaultValue() : o.type().cast(v);
        }

        /** A value the command cannot do without; its absence is bad input. */
        public <T> T required(Option<T> o) {
            T v = get(o);
            UserError.check(v != null, "%s is required (see --help)", o.flag());
            return v;
        }

        private void put(Option<?> o, String text) {
            given.put(o.key(), o.parse(text));
        }
    }

    /** Parses a command's arguments against its options. */
    public static Values parse(List<Option<?>> options, String[] args) {
        return split(options, List.of(), args).values();
    }

    /**
     * The arguments of a tool that runs another command (the experiments runner runs the job):
     * {@code values}, the tool's own, parsed and checked; {@code rest}, the other command's, as given
     * and in their order, for its own parser.
     */
    public record Split(Values values, List<String> rest) {}

    /**
     * Splits {@code args} between two tables: options of {@code options} are parsed and checked,
     * options of {@code others} (with their values) passed on unparsed. A flag of both tables is the
     * first's; an argument of neither is an error naming it.
     */
    public static Split split(List<Option<?>> options, List<Option<?>> others, String[] args) {
        Map<String, Option<?>> own = byFlag(options);
        Map<String, Option<?>> known = byFlag(others);
        known.putAll(own);
        Values values = new Values();
        List<String> rest = new ArrayList<>();
        for (Given g : read(known, args)) {
            if (own.containsKey(g.option().flag())) {
                values.put(g.option(), g.text());
            } else {
                rest.addAll(g.args());
            }
        }
        return new Split(values, List.copyOf(rest));
    }

    /** Receives each option given, with its parsed and checked value. */
    interface Sink {
        <T> void accept(Option<T> option, T value);
    }

    /**
     * Parses {@code args} against {@code options}: {@code --name value}, {@code --name=value}, or
     * a bare flag; the last of a repeated option wins. Returns the options given.
     */
    static Set<Option<?>> values(List<Option<?>> options, String[] args, Sink sink) {
        Set<Option<?>> given = new LinkedHashSet<>();
        for (Given g : read(byFlag(options), args)) {
            set(sink, g.option(), g.text());
            given.add(g.option());
        }
        return given;
    }

    /** One option as the command line gives it: its value's text, and the arguments that say so. */
    private record Given(Option<?> option, String text, List<String> args) {}

    /** Reads {@code args} as options of {@code byFlag}, each with its value's text (unparsed). */
    private static List<Given> read(Map<String, Option<?>> byFlag, String[] args) {
        List<Given> given = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            int first = i;
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            Option<?> o = byFlag.get(arg);
            if (o == null) {
                throw new UserError(arg.startsWith("-") ? "unknown option " + arg + " (see --help)"
                        : "unexpected argument '" + arg + "' (options start with --; see --help)");
            }
            if (o.type().isFlag()) {
                UserError.check(value == null, "option %s takes no value", o.flag());
                value = "true";
            } else if (value == null) {
                UserError.check(i + 1 < args.length && !args[i + 1].startsWith("--"), "option %s needs a value (%s)",
                        o.flag(), o.placeholder());
                value = args[++i];
            }
            given.add(new Given(o, value, List.of(Arrays.copyOfRange(args, first, i + 1))));
        }
        return given;
    }

    /**
     * {@code args} with the options of {@code --config FILE} ({@link OptionsFile}) in front, so the
     * command line's win: the last of a repeated option does.
     */
    static String[] withConfigFile(String[] args) {
        String file = null;
        for (Given g : read(byFlag(Options.all()), args)) {
            if (g.option() == Options.CONFIG) {
                file = g.text();
            }
        }
        if (file == null) {
            return args;
        }
        List<String> fromFile = new ArrayList<>();
        OptionsFile.read(new org.apache.hadoop.conf.Configuration(), file).forEach((o, value) -> {
            if (!o.type().isFlag()) {
                fromFile.add(o.flag() + "=" + value);
            } else if (value.equals("true")) {
                fromFile.add(o.flag());
            }
        });
        fromFile.addAll(List.of(args));
        return fromFile.toArray(new String[0]);
    }

    private static Map<String, Option<?>> byFlag(List<Option<?>> options) {
        Map<String, Option<?>> byFlag = new LinkedHashMap<>();
        options.forEach(o -> byFlag.put(o.flag(), o));
        return byFlag;
    }

    private static <T> void set(Sink sink, Option<T> o, String text) {
        sink.accept(o, o.parse(text));
    }

    /** The --help text: every option, its default and meaning. */
    public static String help() {
        return help("Usage: diloco.cli.Train --data PATH [options]\n\n"
                + "Trains a GPT language model with DiLoCo on Spark: each partition is a worker that takes\n"
                + "H inner AdamW steps on its shard; the driver averages the outer gradients theta - theta_i\n"
                + "(treeAggregate) and applies a Nesterov-momentum outer step. Writes run.json, metrics.jsonl,\n"
                + "model.safetensors, model.json, loss.png and time.png to --out.\n", Options.all());
    }

    /** A command's --help: its description, then every option by section, with defaults. */
    public static String help(String description, List<Option<?>> options) {
        StringBuilder sb = new StringBuilder(description);
        String section = null;
        for (Option<?> o : options) {
            if (!o.section().equals(section)) {
                section = o.section();
                sb.append('\n').append(section).append(":\n");
            }
            String head = "  " + o.flag() + (o.placeholder() == null ? "" : " " + o.placeholder());
            String def = o.defaultText();
            String text = o.doc() + (def == null || o.doc().contains("(required)") || o.doc().contains("(default:") ? ""
                    : " [default:\u00a0" + def + "]"); // no line break inside the brackets
            sb.append(String.format(Locale.ROOT, "%-" + HELP_COLUMN + "s %s%n", head, wrap(text)));
        }
        sb.append(String.format(Locale.ROOT, "%n%-" + HELP_COLUMN + "s %s%n", "  --help", "print this help"))
                .append("\nExit status: 0 done, 2 bad input (one line on stderr, nothing written), 1 failure.\n");
        return sb.toString();
    }

    /** Wraps a description to the help width, continuation lines indented to the description column. */
    static String wrap(String text) {
        StringBuilder out = new StringBuilder();
        int col = HELP_COLUMN + 1;
        for (String word : text.split(" ")) {
            if (col + word.length() + 1 > HELP_WIDTH && col > HELP_COLUMN + 1) {
                out.append('\n').append(" ".repeat(HELP_COLUMN + 1));
                col = HELP_COLUMN + 1;
            } else if (out.length() > 0) {
                out.append(' ');
                col++;
            }
            out.append(word);
            col += word.length();
        }
        return out.toString().replace('\u00a0', ' ');
    }
}
