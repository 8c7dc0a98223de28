package diloco.config;

import static diloco.option.Option.Check.atLeast;
import static diloco.option.Option.Check.positive;
import static diloco.option.Option.Check.unit;

import diloco.OnWorkerFailure;
import diloco.checkpoint.InnerStateSync;
import diloco.codec.OuterGradDtype;
import diloco.codec.Rounding;
import diloco.data.DataFormat;
import diloco.engine.MatmulKernels;
import diloco.engine.Precision;
import diloco.model.ModelConfig;
import diloco.optim.OuterLrSchedule;
import diloco.optim.OuterOptimizerKind;
import diloco.option.Option;
import diloco.option.Option.OnResume;
import diloco.option.UserError;
import diloco.pace.ClockKind;
import diloco.pace.InnerStepsBy;
import diloco.pace.MergeRule;
import diloco.pace.RoundDeadline;
import diloco.pace.Slowdown;
import diloco.pace.SyncMode;
import diloco.spark.FinalCombine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every option of a DiLoCo run, in the order {@code --help} lists them. This table is the only
 * place an option is defined: {@link diloco.cli.CommandLine} parses and documents the command line
 * from it, {@link diloco.ml.DiLoCo} makes its Spark ML Params from it, {@link TrainConfig} records
 * it in run.json and hands each component its typed settings, and {@link Resume} reads its resume
 * policy.
 */
public final class Options {
    private static final List<Option<?>> ALL = new ArrayList<>();
    private static String section;

    private Options() {}

    private static <T> Option<T> add(Option<T> o) {
        ALL.add(o.inSection(section));
        return o;
    }

    static {
        section = "Data";
    }

    public static final Option<String> DATA = add(Option.text("data").placeholder("PATH").commandLineOnly()
            .onResume(OnResume.FREE)
            .doc("training data (required): a directory of files, one document each, read as bytes; or Parquet/JSON with "
                    + "--text-column. Any Hadoop path: file://, hdfs://, s3a://, globs"));
    public static final Option<DataFormat> FORMAT = add(Option.choice("format", DataFormat.class).byDefault(DataFormat.AUTO)
            .commandLineOnly().doc("how to read --data; auto: by file extension"));
    public static final Option<String> TEXT_COLUMN = add(Option.text("textColumn").placeholder("NAME").commandLineOnly()
            .doc("string column holding the document text (Parquet/JSON)"));
    public static final Option<String> ID_COLUMN = add(Option.text("idColumn").placeholder("NAME").commandLineOnly()
            .doc("column with a stable document id (default: a hash of the text)"));
    public static final Option<String> TOKENIZER = add(Option.text("tokenizer").placeholder("bytes|PATH").byDefault("bytes")
            .doc("bytes: each byte a token (vocabulary 256); or a Hugging Face tokenizer.json, or a directory holding "
                    + "one (e.g. from ./submit.sh tokenizer), on any Hadoop path. The model's vocabulary is the "
                    + "tokenizer's; it is saved beside the model, and a resume must use the same one (by SHA-256)"));
    public static final Option<Double> VAL_FRACTION = add(Option.decimal("valFraction").placeholder("F").byDefault(0.05)
            .check(unit(false)).onResume(OnResume.FIXED)
            .doc("fraction of documents held out for validation, by a hash of their id; 0 disables"));
    public static final Option<Integer> VAL_WINDOWS = add(Option.integer("valWindows").placeholder("N").byDefault(64)
            .check(atLeast(1)).doc("number of fixed validation windows (context+1 tokens each)"));
    public static final Option<Long> VAL_SEED = add(Option.longInteger("valSeed").placeholder("S").byDefault(1234L)
            .doc("seed choosing the validation windows (kept apart from --seed so seeds compare on one set)"));
    public static final Option<String> SHARD_BY = add(Option.text("shardBy").placeholder("REGEX").onResume(OnResume.FIXED)
            .check((name, v) -> {
                try {
                    java.util.regex.Pattern.compile(v);
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new UserError(name + " is not a valid regular expression: " + e.getDescription());
                }
            })
            .doc("non-i.i.d. shards: sort documents by the regex's first group on their id and give each worker a "
                    + "contiguous, token-balanced range (default: a seeded hash of the id, i.i.d.)"));

    static {
        section = "DiLoCo";
    }

    public static final Option<Integer> WORKERS = add(Option.integer("workers").placeholder("K").byDefault(8)
            .check(atLeast(1)).onResume(OnResume.FIXED)
            .doc("DiLoCo workers k; each is one Spark partition with its own shard and AdamW state"));
    public static final Option<Integer> INNER_STEPS = add(Option.integer("innerSteps").placeholder("H").byDefault(500)
            .check(atLeast(1)).onResume(OnResume.FIXED).doc("inner AdamW steps per worker per round"));
    public static final Option<Integer> ROUNDS = add(Option.integer("rounds").placeholder("R").byDefault(128)
            .check(atLeast(1)).onResume(OnResume.FREE).doc("outer rounds (communications)"));
    public static final Option<Integer> BATCH_SIZE = add(Option.integer("batchSize").placeholder("B").byDefault(16)
            .check(atLeast(1)).onResume(OnResume.FIXED).doc("sequences per inner step per worker"));
    public static final Option<Double> DROP_PROBABILITY = add(Option.decimal("dropProbability").placeholder("P")
            .byDefault(0.0).check(unit(true))
            .doc("each worker's outer gradient is lost with this probability per round (seeded); a dropped worker "
                    + "continues from its own parameters"));
    public static final Option<String> POOL_SCHEDULE = add(Option.text("poolSchedule").placeholder("SPEC")
            .doc("active workers per round, --workers being the maximum: constant:N, ramp:A:B (linear over the rounds) "
                    + "or a list n1,n2,... (the last repeats); inactive workers keep their state (default: all workers "
                    + "every round)"));

    public static final Option<OuterGradDtype> OUTER_GRAD_DTYPE = add(Option.choice("outerGradDtype",
            OuterGradDtype.class).byDefault(OuterGradDtype.FP32)
            .doc("number format of the outer gradients workers send: fp32, bf16 (rounded), or int8 with one scale per "
                    + "block of 1024 values; summed in fp32"));
    public static final Option<Rounding> OUTER_GRAD_ROUNDING = add(Option.choice("outerGradRounding",
            Rounding.class).byDefault(Rounding.NEAREST)
            .doc("how bf16/int8 outer gradients are rounded: to nearest, or stochastically (unbiased; seeded by seed, "
                    + "worker and round)"));
    public static final Option<Double> OUTER_GRAD_PRUNE = add(Option.decimal("outerGradPrune").placeholder("FRACTION")
            .byDefault(0.0).check(unit(false))
            .doc("fraction of each worker's outer gradient left out before it is sent: in every block of 1024 values "
                    + "the smallest in magnitude count as 0 and a bitmap marks the rest, which keep their sign and size "
                    + "(a magnitude pruning in the spirit of the paper's Table 6; workers' values are averaged as usual, "
                    + "no sign election); 0 sends all"));

    static {
        section = "Workers of different speeds";
    }

    public static final Option<SyncMode> SYNC = add(Option.choice("sync", SyncMode.class).byDefault(SyncMode.SYNC)
            .onResume(OnResume.FIXED)
            .doc("sync: one outer step per round with every worker's outer gradient (the paper); async: each worker is "
                    + "its own Spark job and the driver applies its outer gradient as it arrives (computed against the "
                    + "theta the worker started from) with Delayed Nesterov momentum (momentum once per k arrivals, plain "
                    + "steps between), the worker restarting at once from the current theta; --rounds counts arrivals / k"));
    public static final Option<InnerStepsBy> INNER_STEPS_BY = add(Option.choice("innerStepsBy", InnerStepsBy.class)
            .byDefault(InnerStepsBy.FIXED)
            .doc("fixed: every worker takes --inner-steps; pace: the fastest takes --inner-steps and each other worker "
                    + "fewer, in proportion to its pace in its last round (no fewer than --min-inner-fraction of them), "
                    + "so all finish together. With pace, a deadline or async, a worker's batches and learning rate "
                    + "follow its own count of steps"));
    public static final Option<Double> MIN_INNER_FRACTION = add(Option.decimal("minInnerFraction").placeholder("F")
            .byDefault(0.25).check((name, v) -> UserError.check(v > 0 && v <= 1, "%s must be in (0, 1], got %s", name, v))
            .doc("with --inner-steps-by pace, the fewest inner steps a worker takes, as a fraction of --inner-steps"));
    public static final Option<MergeRule> MERGE = add(Option.choice("merge", MergeRule.class).byDefault(MergeRule.MEAN)
            .doc("mean: the outer gradient is the mean of the workers'; tokens: weighted by the tokens each trained on "
                    + "this round (exactly the mean when they are equal)"));
    public static final Option<String> ROUND_DEADLINE = add(Option.text("roundDeadline").placeholder("off|auto[:G]|SEC")
            .byDefault("off").check(RoundDeadline::parse)
            .doc("a worker ends its inner steps at this time on --clock and sends the outer gradient of the steps it "
                    + "took (at least one): SEC seconds, or auto: the fastest worker's expected time (from the last "
                    + "round's paces) x (1 + G), G default 0.25; off: every worker takes all its steps"));
    public static final Option<String> SIMULATE_SLOWDOWN = add(Option.text("simulateSlowdown")
            .placeholder("W:F[,W:F...]").check(Slowdown::parse)
            .doc("for tests and experiments: each inner step of worker W takes F (>= 1) times as long (it sleeps after "
                    + "the step on the wall clock; counts F seconds on the virtual clock)"));
    public static final Option<ClockKind> CLOCK = add(Option.choice("clock", ClockKind.class).byDefault(ClockKind.WALL)
            .doc("what paces, deadlines and asynchronous arrivals are measured by: wall seconds, or virtual (a step "
                    + "of a full-speed worker is 1 second, F seconds with --simulate-slowdown), which makes such runs "
                    + "reproducible bit for bit"));

    static {
        section = "Model";
    }

    public static final Option<String> PRESET = add(Option.text("preset").placeholder("tiny|small|60m|150m|400m")
            .byDefault("small").check((name, v) -> ModelConfig.preset(v, 256))
            .doc("model shape; 60m/150m/400m use the paper's layers/width/heads"));
    public static final Option<Integer> CONTEXT = add(Option.integer("context").placeholder("T").check(atLeast(2))
            .doc("sequence length (default: from --preset)"));
    public static final Option<Integer> LAYERS = add(Option.integer("layers").placeholder("N").check(atLeast(1))
            .doc("transformer blocks (default: from --preset)"));
    public static final Option<Integer> D_MODEL = add(Option.integer("dModel").placeholder("D").check(atLeast(1))
            .doc("model width (default: from --preset)"));
    public static final Option<Integer> HEADS = add(Option.integer("heads").placeholder("N").check(atLeast(1))
            .doc("attention heads (default: from --preset)"));
    public static final Option<Float> DROPOUT = add(Option.real("dropout").placeholder("P").byDefault(0f)
            .check(unit(false)).doc("dropout probability"));
    public static final Option<String> INIT_FROM = add(Option.text("initFrom").placeholder("MODEL").onResume(OnResume.FREE)
            .doc("start from this model.safetensors (a run's output; same shape) instead of a random initialisation"));

    static {
        section = "Inner optimizer (AdamW, on each worker)";
    }

    public static final Option<Float> INNER_LR = add(Option.real("innerLr").placeholder("LR").byDefault(4e-4f)
            .check(positive()).doc("peak inner learning rate"));
    public static final Option<Integer> WARMUP_STEPS = add(Option.integer("warmupSteps").placeholder("N").byDefault(1000)
            .check(atLeast(0)).doc("linear warm-up steps of the inner learning rate"));
    public static final Option<Long> LR_DECAY_STEPS = add(Option.longInteger("lrDecaySteps").placeholder("N")
            .check(atLeast(1)).onResume(OnResume.FREE)
            .doc("cosine decay length in inner steps (default: rounds x inner-steps)"));
    public static final Option<Float> MIN_LR_RATIO = add(Option.real("minLrRatio").placeholder("F").byDefault(0.1f)
            .check(unit(true)).doc("final learning rate as a fraction of the peak"));
    public static final Option<Float> WEIGHT_DECAY = add(Option.real("weightDecay").placeholder("WD").byDefault(0.1f)
            .check(atLeast(0)).doc("decoupled weight decay (matrices and embeddings only)"));
    public static final Option<Float> GRAD_CLIP = add(Option.real("gradClip").placeholder("C").byDefault(1.0f)
            .check(atLeast(0, "0 disables")).doc("clip gradients to this global L2 norm; 0 disables"));
    public static final Option<Float> INNER_BETA1 = add(Option.real("innerBeta1").placeholder("B1").byDefault(0.9f)
            .check(unit(false)).doc("AdamW beta1"));
    public static final Option<Float> INNER_BETA2 = add(Option.real("innerBeta2").placeholder("B2").byDefault(0.95f)
            .check(unit(false)).doc("AdamW beta2"));
    public static final Option<Float> INNER_EPS = add(Option.real("innerEps").placeholder("E").byDefault(1e-8f)
            .check(positive()).doc("AdamW epsilon"));
    public static final Option<Precision> PRECISION = add(Option.choice("precision", Precision.class)
            .byDefault(Precision.FP32)
            .doc("number format of the workers' forward and backward: fp32, or bf16 (libtorch's autocast: matrix "
                    + "products in bfloat16, parameters, gradients and AdamW's state in fp32)"));

    static {
        section = "Outer optimizer (on the driver)";
    }

    public static final Option<OuterOptimizerKind> OUTER_OPTIMIZER = add(Option.choice("outerOptimizer",
            OuterOptimizerKind.class).byDefault(OuterOptimizerKind.NESTEROV).onResume(OnResume.FIXED)
            .doc("nesterov: v=mu*v+D, theta-=lr*(D+mu*v); sgd: heavy-ball momentum theta-=lr*v (momentum 0 and lr 1 = "
                    + "FedAvg); adam: Adam on D"));
    public static final Option<Float> OUTER_LR = add(Option.real("outerLr").placeholder("LR").byDefault(0.7f)
            .check(positive()).doc("outer learning rate (the peak, when scheduled)"));
    public static final Option<String> OUTER_LR_SCHEDULE = add(Option.text("outerLrSchedule").placeholder("SPEC")
            .byDefault("constant").check((name, v) -> OuterLrSchedule.parse(v, 1f, 2))
            .doc("outer learning rate over the rounds: constant, warmup:N (linear over the first N rounds), cosine[:MIN] "
                    + "(to MIN x peak at the last round, MIN default 0.1), or warmup:N,cosine[:MIN]"));
    public static final Option<Float> OUTER_MOMENTUM = add(Option.real("outerMomentum").placeholder("MU").byDefault(0.9f)
            .check(unit(false)).doc("outer momentum in [0,1) (Adam's beta1)"));
    public static final Option<Float> OUTER_BETA2 = add(Option.real("outerBeta2").placeholder("B2").byDefault(0.999f)
            .check(unit(false)).doc("outer Adam beta2"));
    public static final Option<Float> OUTER_EPS = add(Option.real("outerEps").placeholder("E").byDefault(0.1f)
            .check(positive()).doc("outer Adam epsilon (the paper found Adam unstable unless it is about 0.1)"));

    static {
        section = "Spark and runtime";
    }

    public static final Option<Integer> AGGREGATION_DEPTH = add(Option.integer("aggregationDepth").placeholder("N")
            .byDefault(2).check(atLeast(1)).onResume(OnResume.FREE)
            .doc("treeAggregate depth for summing outer gradients"));
    public static final Option<FinalCombine> FINAL_COMBINE = add(Option.choice("finalCombine",
            FinalCombine.class).byDefault(FinalCombine.AUTO).onResume(OnResume.FREE)
            .doc("where the tree's last sum of outer gradients is taken: on the driver, which then receives the top "
                    + "partial sums (k of them up to k=6 at depth 2); on an executor, so the driver receives one sum whatever k "
                    + "(one more stage, a shuffle); auto: on an executor when more than one partial sum of at least "
                    + "64 MiB would reach the driver"));
    public static final Option<Integer> EVAL_EVERY = add(Option.integer("evalEvery").placeholder("N").byDefault(1)
            .check(atLeast(0, "0 = only at the end")).onResume(OnResume.FREE)
            .doc("validate every N rounds (and always after the last); 0 = only at the end"));
    public static final Option<Integer> THREADS_PER_WORKER = add(Option.integer("threadsPerWorker").placeholder("N")
            .byDefault(0).check(atLeast(0, "0 = all cores")).onResume(OnResume.FREE)
            .doc("PyTorch intra-op threads per worker; 0 = the executor's cores"));
    public static final Option<String> DEVICE = add(Option.text("device").placeholder("auto|cpu|gpu|gpu:N").byDefault("auto")
            .onResume(OnResume.FREE)
            .check((name, v) -> UserError.check(v.equals("auto") || v.equals("cpu") || v.matches("gpu(:\\d+)?"),
                    "%s must be auto, cpu, gpu or gpu:N, got '%s'", name, v))
            .doc("where workers compute; auto = the task's Spark GPU, else GPU 0, else CPU"));
    public static final Option<MatmulKernels> MATMUL_KERNELS = add(Option.choice("matmulKernels", MatmulKernels.class)
            .byDefault(MatmulKernels.AUTO).onResume(OnResume.FREE)
            .doc("kernels of the CPU's fp32 matrix products: onednn = oneDNN's where they compute exact fp32 (CPUs "
                    + "with AVX-512 but no AMX; faster where oneMKL runs its AVX2 code, as on AMD CPUs), else oneMKL's; "
                    + "onemkl = libtorch's default; auto = onednn unless the MKL fast paths are preloaded "
                    + "(./submit.sh does), which were faster still"));
    /**
     * A cluster that runs fewer workers at once than asked makes each round take several waves of
     * tasks: by default one warning line says so before the first round; a scheduled job may rather fail.
     */
    public static final Option<Boolean> STRICT_RESOURCES = add(Option.flag("strictResources").onResume(OnResume.FREE)
            .doc("on YARN and Kubernetes, refuse to start (exit 2) when the executors' task slots cannot run every "
                    + "worker at once, instead of warning and running the workers in waves"));
    public static final Option<Long> SEED = add(Option.longInteger("seed").placeholder("S").byDefault(0L)
            .onResume(OnResume.FIXED).doc("seed for initialisation, shard assignment and batches"));
    public static final Option<String> OUT = add(Option.text("out").placeholder("DIR").commandLineOnly()
            .defaultShownAs("runs/diloco-<timestamp>").onResume(OnResume.FREE)
            .doc("output directory (any Hadoop path); must be empty unless --overwrite"));
    public static final Option<Boolean> OVERWRITE = add(Option.flag("overwrite").notRecorded()
            .doc("replace the run files of an earlier run in --out (unless resuming, also its checkpoints)"));
    /**
     * A pre-flight check (a scheduler's first task, a CI step): the run's own checks, stopped before
     * its first write. Command line only: a notebook's {@code fit} has no use for a run that does not
     * train; not recorded: it never reaches run.json.
     */
    public static final Option<String> CONFIG = add(Option.text("config").placeholder("FILE").commandLineOnly()
            .notRecorded().doc("options from a properties file (any Hadoop path), one per line as in spark-defaults.conf: "
                    + "the option's name without -- and its value (inner-steps 500, or inner-steps=500; a flag takes "
                    + "true or false); options on the command line win. run.json records the options resolved"));
    public static final Option<Boolean> VALIDATE_ONLY = add(Option.flag("validateOnly").commandLineOnly().notRecorded()
            .doc("check the options, --data (it exists and holds readable documents), --out (usable), --init-from, the "
                    + "memory needed and the session's settings as a run does, then exit 0 without training or writing "
                    + "anything"));

    static {
        section = "Checkpoints and faults";
    }

    public static final Option<Integer> CHECKPOINT_EVERY = add(Option.integer("checkpointEvery").placeholder("N")
            .byDefault(10).check(atLeast(0, "0 = only at the end")).onResume(OnResume.FREE)
            .doc("write a checkpoint every N rounds (and after the last); 0 = only after the last"));
    public static final Option<Integer> KEEP_CHECKPOINTS = add(Option.integer("keepCheckpoints").placeholder("N")
            .byDefault(2).check(atLeast(1)).onResume(OnResume.FREE).doc("keep the newest N complete checkpoints"));
    public static final Option<Boolean> RESUME = add(Option.flag("resume").notRecorded()
            .doc("continue from the newest complete checkpoint in --out; fail if there is none or it is corrupt"));
    public static final Option<Boolean> RESUME_IF_PRESENT = add(Option.flag("resumeIfPresent").notRecorded()
            .doc("continue from the newest complete checkpoint that verifies (a corrupt newer one is skipped with a "
                    + "warning and left on disk), else start afresh (for schedulers that retry the same command)"));
    public static final Option<InnerStateSync> INNER_STATE_SYNC = add(Option.choice("innerStateSync", InnerStateSync.class)
            .byDefault(InnerStateSync.AT_CHECKPOINT).onResume(OnResume.FREE)
            .doc("when workers save their AdamW state: with checkpoints, or also after every round (a lost executor then "
                    + "costs nothing; measured in docs/faults.md)"));
    public static final Option<OnWorkerFailure> ON_WORKER_FAILURE = add(Option.choice("onWorkerFailure",
            OnWorkerFailure.class).byDefault(OnWorkerFailure.FAIL).onResume(OnResume.FREE)
            .doc("when a worker's task fails --task-max-failures times, or a round exceeds --round-timeout: fail the job "
                    + "(after retrying the round), or go on without it"));
    public static final Option<Integer> TASK_MAX_FAILURES = add(Option.integer("taskMaxFailures").placeholder("N")
            .byDefault(4).check(atLeast(1)).onResume(OnResume.FREE)
            .doc("attempts of a worker's task (Spark retries it on another executor), and of a timed-out round"));
    public static final Option<Double> MAX_OUTER_GRAD_NORM = add(Option.decimal("maxOuterGradNorm").placeholder("X")
            .byDefault(0.0).check(atLeast(0, "0 = no limit"))
            .doc("exclude a worker's outer gradient whose L2 norm exceeds X (non-finite ones always are); 0 = no limit"));
    public static final Option<Integer> MAX_BAD_ROUNDS = add(Option.integer("maxBadRounds").placeholder("N").byDefault(3)
            .check(atLeast(1)).doc("fail after N consecutive rounds in which every outer gradient was excluded"));
    public static final Option<Double> ROUND_TIMEOUT = add(Option.decimal("roundTimeout").placeholder("SEC").byDefault(0.0)
            .check(atLeast(0, "0 = none")).onResume(OnResume.FREE)
            .doc("cancel a round that runs longer (a stuck worker); 0 = no limit"));
    public static final Option<Double> SHUTDOWN_GRACE = add(Option.decimal("shutdownGrace").placeholder("SEC")
            .byDefault(60.0).check(atLeast(0)).commandLineOnly().onResume(OnResume.FREE)
            .doc("on SIGTERM, let the current round finish for this long, then abandon it; either way a checkpoint is "
                    + "written and the job exits with status 143"));
    public static final Option<Boolean> SHARED_LOCAL_FS = add(Option.flag("sharedLocalFs").notRecorded()
            .doc("allow a file:// --out on a cluster: every executor sees the same path (NFS, or a one-machine cluster)"));

    /** Every option, in --help order. */
    public static List<Option<?>> all() {
        return Collections.unmodifiableList(ALL);
    }

    /** The options that are Spark ML Params too (all but those a DataFrame or the session replaces). */
    public static List<Option<?>> params() {
        return ALL.stream().filter(o -> o.scope() == Option.Scope.EVERYWHERE).toList();
    }

    /** Options by camelCase key. */
    public static Map<String, Option<?>> byKey() {
        Map<String, Option<?>> m = new LinkedHashMap<>();
        ALL.forEach(o -> m.put(o.key(), o));
        return m;
    }

    /** Options by command-line flag. */
    public static Map<String, Option<?>> byFlag() {
        Map<String, Option<?>> m = new LinkedHashMap<>();
        ALL.forEach(o -> m.put(o.flag(), o));
        return m;
    }
}
