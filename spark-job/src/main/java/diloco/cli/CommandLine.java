package diloco.cli;

import diloco.config.TrainConfig;
import diloco.config.TrainConfig.DataFormat;
import diloco.config.TrainConfig.OuterOptimizerKind;
import diloco.config.UserError;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The training job's options: one table that parses the command line and prints {@code --help},
 * so the two cannot disagree. Option names are a public interface (Airflow DAGs and notebooks use
 * them). Defaults shown in the help are read from {@link TrainConfig.Builder}.
 */
public final class CommandLine {

    /** One option: its name, value placeholder (null for a flag), help, and how it sets the builder. */
    static final class Option {
        final String name;
        final String arg;
        final String help;
        final BiConsumer<TrainConfig.Builder, String> apply;

        Option(String name, String arg, String help, BiConsumer<TrainConfig.Builder, String> apply) {
            this.name = name;
            this.arg = arg;
            this.help = help;
            this.apply = apply;
        }

        String configKey() {
            return name.substring(2).replace('-', '_');
        }
    }

    private static final List<Option> OPTIONS = new ArrayList<>();
    private static final Map<String, String> SECTIONS = new LinkedHashMap<>();

    private static void section(String title) {
        SECTIONS.put(OPTIONS.isEmpty() ? "" : OPTIONS.get(OPTIONS.size() - 1).name, title);
    }

    private static void add(String name, String arg, String help, BiConsumer<TrainConfig.Builder, String> apply) {
        OPTIONS.add(new Option(name, arg, help, apply));
    }

    static {
        section("Data");
        add("--data", "PATH", "training data (required): a directory of files, one document each, read as bytes; "
                + "or Parquet/JSON with --text-column. Any Hadoop path: file://, hdfs://, s3a://, globs",
                (b, v) -> b.optData(v));
        add("--format", "auto|files|parquet|json", "how to read --data; auto: by file extension",
                (b, v) -> b.optFormat(enumValue(DataFormat.class, "--format", v)));
        add("--text-column", "NAME", "string column holding the document text (Parquet/JSON)", (b, v) -> b.optTextColumn(v));
        add("--id-column", "NAME", "column with a stable document id (default: a hash of the text)", (b, v) -> b.optIdColumn(v));
        add("--val-fraction", "F", "fraction of documents held out for validation, by a hash of their id; 0 disables",
                (b, v) -> b.optValFraction(decimal("--val-fraction", v)));
        add("--val-windows", "N", "number of fixed validation windows (context+1 tokens each)",
                (b, v) -> b.optValWindows(integer("--val-windows", v)));
        add("--val-seed", "S", "seed choosing the validation windows (kept apart from --seed so seeds compare on one set)",
                (b, v) -> b.optValSeed(longInt("--val-seed", v)));
        add("--shard-by", "REGEX", "non-i.i.d. shards: sort documents by the regex's first group on their id and give each "
                + "worker a contiguous, token-balanced range (default: a seeded hash of the id, i.i.d.)", (b, v) -> b.optShardBy(v));
        section("DiLoCo");
        add("--workers", "K", "DiLoCo workers k; each is one Spark partition with its own shard and AdamW state",
                (b, v) -> b.optWorkers(integer("--workers", v)));
        add("--inner-steps", "H", "inner AdamW steps per worker per round", (b, v) -> b.optInnerSteps(integer("--inner-steps", v)));
        add("--rounds", "R", "outer rounds (communications)", (b, v) -> b.optRounds(integer("--rounds", v)));
        add("--batch-size", "B", "sequences per inner step per worker", (b, v) -> b.optBatchSize(integer("--batch-size", v)));
        add("--drop-probability", "P", "each worker's outer gradient is lost with this probability per round (seeded); "
                + "a dropped worker continues from its own parameters", (b, v) -> b.optDropProbability(decimal("--drop-probability", v)));
        add("--pool-schedule", "SPEC", "active workers per round, --workers being the maximum: constant:N, ramp:A:B "
                + "(linear over the rounds) or a list n1,n2,... (the last repeats); inactive workers keep their state "
                + "(default: all workers every round)", (b, v) -> b.optPoolSchedule(v));
        section("Model");
        add("--preset", "tiny|small|60m|150m|400m", "model shape; 60m/150m/400m use the paper's layers/width/heads",
                (b, v) -> b.optPreset(v));
        add("--context", "T", "sequence length (default: from --preset)", (b, v) -> b.optContext(integer("--context", v)));
        add("--layers", "N", "transformer blocks (default: from --preset)", (b, v) -> b.optLayers(integer("--layers", v)));
        add("--d-model", "D", "model width (default: from --preset)", (b, v) -> b.optDModel(integer("--d-model", v)));
        add("--heads", "N", "attention heads (default: from --preset)", (b, v) -> b.optHeads(integer("--heads", v)));
        add("--dropout", "P", "dropout probability", (b, v) -> b.optDropout(real("--dropout", v)));
        add("--init-from", "MODEL", "start from this model.safetensors (a run's output; same shape) instead of a "
                + "random initialisation", (b, v) -> b.optInitFrom(v));
        section("Inner optimizer (AdamW, on each worker)");
        add("--inner-lr", "LR", "peak inner learning rate", (b, v) -> b.optInnerLr(real("--inner-lr", v)));
        add("--warmup-steps", "N", "linear warm-up steps of the inner learning rate",
                (b, v) -> b.optWarmupSteps(integer("--warmup-steps", v)));
        add("--lr-decay-steps", "N", "cosine decay length in inner steps (default: rounds x inner-steps)",
                (b, v) -> b.optLrDecaySteps(longInt("--lr-decay-steps", v)));
        add("--min-lr-ratio", "F", "final learning rate as a fraction of the peak", (b, v) -> b.optMinLrRatio(real("--min-lr-ratio", v)));
        add("--weight-decay", "WD", "decoupled weight decay (matrices and embeddings only)",
                (b, v) -> b.optWeightDecay(real("--weight-decay", v)));
        add("--grad-clip", "C", "clip gradients to this global L2 norm; 0 disables", (b, v) -> b.optGradClip(real("--grad-clip", v)));
        add("--inner-beta1", "B1", "AdamW beta1", (b, v) -> b.optInnerBeta1(real("--inner-beta1", v)));
        add("--inner-beta2", "B2", "AdamW beta2", (b, v) -> b.optInnerBeta2(real("--inner-beta2", v)));
        add("--inner-eps", "E", "AdamW epsilon", (b, v) -> b.optInnerEps(real("--inner-eps", v)));
        section("Outer optimizer (on the driver)");
        add("--outer-optimizer", "nesterov|sgd|adam", "nesterov: v=mu*v+D, theta-=lr*(D+mu*v); sgd: heavy-ball momentum "
                + "theta-=lr*v (momentum 0 and lr 1 = FedAvg); adam: Adam on D",
                (b, v) -> b.optOuterOptimizer(enumValue(OuterOptimizerKind.class, "--outer-optimizer", v)));
        add("--outer-lr", "LR", "outer learning rate (the peak, when scheduled)", (b, v) -> b.optOuterLr(real("--outer-lr", v)));
        add("--outer-lr-schedule", "SPEC", "outer learning rate over the rounds: constant, warmup:N (linear over the "
                + "first N rounds), cosine[:MIN] (to MIN x peak at the last round, MIN default 0.1), or warmup:N,cosine[:MIN]",
                (b, v) -> b.optOuterLrSchedule(v));
        add("--outer-momentum", "MU", "outer momentum in [0,1) (Adam's beta1)", (b, v) -> b.optOuterMomentum(real("--outer-momentum", v)));
        add("--outer-beta2", "B2", "outer Adam beta2", (b, v) -> b.optOuterBeta2(real("--outer-beta2", v)));
        add("--outer-eps", "E", "outer Adam epsilon (the paper found Adam unstable unless it is about 0.1)",
                (b, v) -> b.optOuterEps(real("--outer-eps", v)));
        section("Spark and runtime");
        add("--aggregation-depth", "N", "treeAggregate depth for summing outer gradients",
                (b, v) -> b.optAggregationDepth(integer("--aggregation-depth", v)));
        add("--eval-every", "N", "validate every N rounds (and always after the last); 0 = only at the end",
                (b, v) -> b.optEvalEvery(integer("--eval-every", v)));
        add("--threads-per-worker", "N", "PyTorch intra-op threads per worker; 0 = the executor's cores",
                (b, v) -> b.optThreadsPerWorker(integer("--threads-per-worker", v)));
        add("--device", "auto|cpu|gpu|gpu:N", "where workers compute; auto = the task's Spark GPU, else GPU 0, else CPU",
                (b, v) -> b.optDevice(v));
        add("--seed", "S", "seed for initialisation, shard assignment and batches", (b, v) -> b.optSeed(longInt("--seed", v)));
        add("--out", "DIR", "output directory (any Hadoop path); must be empty unless --overwrite", (b, v) -> b.optOut(v));
        add("--overwrite", null, "replace the run files of an earlier run in --out (unless resuming, also its checkpoints)", (b, v) -> b.optOverwrite(true));
        section("Checkpoints and faults");
        add("--checkpoint-every", "N", "write a checkpoint every N rounds (and after the last); 0 = only after the last",
                (b, v) -> b.optCheckpointEvery(integer("--checkpoint-every", v)));
        add("--keep-checkpoints", "N", "keep the newest N complete checkpoints", (b, v) -> b.optKeepCheckpoints(integer("--keep-checkpoints", v)));
        add("--resume", null, "continue from the newest complete checkpoint in --out; fail if there is none",
                (b, v) -> b.optResume(true));
        add("--resume-if-present", null, "continue from the newest complete checkpoint if there is one, else start "
                + "afresh (for schedulers that retry the same command)", (b, v) -> b.optResumeIfPresent(true));
        add("--inner-state-sync", "at-checkpoint|every-round", "when workers save their AdamW state: with checkpoints, "
                + "or also after every round (a lost executor then costs nothing; measured in docs/faults.md)",
                (b, v) -> b.optInnerStateSync(enumValue(TrainConfig.InnerStateSync.class, "--inner-state-sync", v)));
        add("--on-worker-failure", "fail|drop", "when a worker's task fails --task-max-failures times, or a round "
                + "exceeds --round-timeout: fail the job (after retrying the round), or go on without it",
                (b, v) -> b.optOnWorkerFailure(enumValue(TrainConfig.OnWorkerFailure.class, "--on-worker-failure", v)));
        add("--task-max-failures", "N", "attempts of a worker's task (Spark retries it on another executor), and of a "
                + "timed-out round", (b, v) -> b.optTaskMaxFailures(integer("--task-max-failures", v)));
        add("--max-outer-grad-norm", "X", "exclude a worker's outer gradient whose L2 norm exceeds X (non-finite ones "
                + "always are); 0 = no limit", (b, v) -> b.optMaxOuterGradNorm(decimal("--max-outer-grad-norm", v)));
        add("--max-bad-rounds", "N", "fail after N consecutive rounds in which every outer gradient was excluded",
                (b, v) -> b.optMaxBadRounds(integer("--max-bad-rounds", v)));
        add("--round-timeout", "SEC", "cancel a round that runs longer (a stuck worker); 0 = no limit",
                (b, v) -> b.optRoundTimeout(decimal("--round-timeout", v)));
        add("--shutdown-grace", "SEC", "on SIGTERM, let the current round finish for this long, then abandon it; "
                + "either way a checkpoint is written and the job exits with status 143",
                (b, v) -> b.optShutdownGrace(decimal("--shutdown-grace", v)));
        add("--shared-local-fs", null, "allow a file:// --out on a cluster: every executor sees the same path (NFS, "
                + "or a one-machine cluster)", (b, v) -> b.optSharedLocalFs(true));
    }

    private CommandLine() {}

    /** Parses the job's arguments: {@code --name value} or {@code --name=value}; the last of a repeated option wins. */
    public static TrainConfig parse(String[] args) {
        Map<String, Option> byName = new LinkedHashMap<>();
        for (Option o : OPTIONS) {
            byName.put(o.name, o);
        }
        TrainConfig.Builder b = TrainConfig.builder();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            Option o = byName.get(arg);
            if (o == null) {
                throw new UserError(arg.startsWith("-") ? "unknown option " + arg + " (see --help)"
                        : "unexpected argument '" + arg + "' (options start with --; see --help)");
            }
            seen.add(o.name); // a repeated option: the last one wins, as with spark-submit --conf
            if (o.arg == null) {
                UserError.check(value == null, "option %s takes no value", o.name);
            } else if (value == null) {
                UserError.check(i + 1 < args.length && !args[i + 1].startsWith("--"), "option %s needs a value (%s)", o.name, o.arg);
                value = args[++i];
            }
            o.apply.accept(b, value);
        }
        if (!seen.contains("--out")) {
            b.optOut("runs/diloco-" + java.time.LocalDateTime.now().format(
                    java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        }
        return b.build();
    }

    /** The --help text: every option, its default and meaning. */
    public static String help() {
        Map<String, Object> defaults = TrainConfig.builder().optData("-").build().toMap();
        StringBuilder sb = new StringBuilder();
        sb.append("Usage: diloco.cli.Train --data PATH [options]\n\n")
                .append("Trains a GPT language model with DiLoCo on Spark: each partition is a worker that takes\n")
                .append("H inner AdamW steps on its shard; the driver averages the outer gradients theta - theta_i\n")
                .append("(treeAggregate) and applies a Nesterov-momentum outer step. Writes run.json, metrics.jsonl,\n")
                .append("model.safetensors and model.json to --out.\n");
        String pendingSection = SECTIONS.get("");
        for (Option o : OPTIONS) {
            if (pendingSection != null) {
                sb.append('\n').append(pendingSection).append(":\n");
            }
            String head = "  " + o.name + (o.arg == null ? "" : " " + o.arg);
            String text = o.help + defaultText(o, defaults);
            sb.append(String.format(Locale.ROOT, "%-" + HELP_COLUMN + "s %s%n", head, wrap(text)));
            pendingSection = SECTIONS.get(o.name);
        }
        sb.append(String.format(Locale.ROOT, "%n%-" + HELP_COLUMN + "s %s%n", "  --help", "print this help"))
                .append("\nExit status: 0 done, 2 bad input (one line on stderr, nothing written), 1 failure.\n");
        return sb.toString();
    }

    private static final int HELP_COLUMN = 38;
    private static final int HELP_WIDTH = 110;

    private static String defaultText(Option o, Map<String, Object> defaults) {
        if (o.name.equals("--out")) {
            return " [default: runs/diloco-<timestamp>]";
        }
        Object def = o.name.equals("--dropout") ? ((Map<?, ?>) defaults.get("model")).get("dropout") : defaults.get(o.configKey());
        if (o.arg == null || def == null || o.name.equals("--data") || o.help.contains("(default:")) {
            return "";
        }
        String text = def instanceof Double && ((Double) def) == 0 ? "0"
                : def instanceof Float ? Float.toString((Float) def).replace(".0E", "E").replace('E', 'e')
                : String.valueOf(def).toLowerCase(Locale.ROOT);
        return " [default:\u00a0" + text + "]"; // no line break inside the brackets
    }

    /** Wraps a description to the help width, continuation lines indented to the description column. */
    private static String wrap(String text) {
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

    static List<Option> options() {
        return OPTIONS;
    }

    private static int integer(String name, String v) {
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new UserError(name + " expects an integer, got '" + v + "'");
        }
    }

    private static long longInt(String name, String v) {
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new UserError(name + " expects an integer, got '" + v + "'");
        }
    }

    private static float real(String name, String v) {
        return (float) decimal(name, v);
    }

    /** A finite number; kept in double where a probability or fraction should print as typed. */
    private static double decimal(String name, String v) {
        try {
            double d = Double.parseDouble(v.trim());
            UserError.check(Double.isFinite(d), "%s expects a finite number, got '%s'", name, v);
            return d;
        } catch (NumberFormatException e) {
            throw new UserError(name + " expects a number, got '" + v + "'");
        }
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String name, String v) {
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>();
            for (E c : type.getEnumConstants()) {
                names.add(c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            }
            throw new UserError(name + " must be one of " + String.join(", ", names) + ", got '" + v + "'");
        }
    }
}
