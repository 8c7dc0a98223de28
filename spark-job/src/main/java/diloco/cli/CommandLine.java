package diloco.cli;

import static diloco.config.Options.DATA;
import static diloco.config.Options.OUT;

import diloco.config.Option;
import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.config.UserError;

import java.util.Locale;
import java.util.Map;

/**
 * The training job's command line, derived from {@link Options}: parsing and {@code --help} read
 * the same table, so they cannot disagree. Option names are a public interface (Airflow DAGs and
 * notebooks use them).
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
        Map<String, Option<?>> byFlag = Options.byFlag();
        TrainConfig.Builder b = TrainConfig.builder();
        boolean outGiven = false;
        for (int i = 0; i < args.length; i++) {
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
            set(b, o, value);
            outGiven |= o == OUT;
        }
        if (!outGiven) {
            b.set(OUT, "runs/diloco-" + java.time.LocalDateTime.now().format(
                    java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return b;
    }

    private static <T> void set(TrainConfig.Builder b, Option<T> o, String text) {
        b.set(o, o.parse(text));
    }

    /** The --help text: every option, its default and meaning. */
    public static String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: diloco.cli.Train --data PATH [options]\n\n")
                .append("Trains a GPT language model with DiLoCo on Spark: each partition is a worker that takes\n")
                .append("H inner AdamW steps on its shard; the driver averages the outer gradients theta - theta_i\n")
                .append("(treeAggregate) and applies a Nesterov-momentum outer step. Writes run.json, metrics.jsonl,\n")
                .append("model.safetensors and model.json to --out.\n");
        String section = null;
        for (Option<?> o : Options.all()) {
            if (!o.section().equals(section)) {
                section = o.section();
                sb.append('\n').append(section).append(":\n");
            }
            String head = "  " + o.flag() + (o.placeholder() == null ? "" : " " + o.placeholder());
            String def = o.defaultText();
            String text = o.doc() + (def == null || o == DATA || o.doc().contains("(default:") ? ""
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
