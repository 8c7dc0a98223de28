package diloco.run;

import static diloco.config.Options.CLOCK;
import static diloco.config.Options.EVAL_EVERY;
import static diloco.config.Options.INIT_FROM;
import static diloco.config.Options.INNER_STEPS;
import static diloco.config.Options.OUT;
import static diloco.config.Options.OUTER_LR;
import static diloco.config.Options.OUTER_LR_SCHEDULE;
import static diloco.config.Options.OUTER_MOMENTUM;
import static diloco.config.Options.OUTER_OPTIMIZER;
import static diloco.config.Options.OVERWRITE;
import static diloco.config.Options.RESUME;
import static diloco.config.Options.RESUME_IF_PRESENT;
import static diloco.config.Options.ROUNDS;
import static diloco.config.Options.SEED;
import static diloco.config.Options.SHARED_LOCAL_FS;
import static diloco.config.Options.SYNC;
import static diloco.config.Options.VALIDATE_ONLY;
import static diloco.config.Options.WORKERS;

import diloco.BadRoundGuard;
import diloco.DiLoCoLoop;
import diloco.AsyncRounds;
import diloco.AsyncState;
import diloco.DiLoCoRound;
import diloco.Evaluation;
import diloco.FaultSettings;
import diloco.Log;
import diloco.LoopEnd;
import diloco.LoopState;
import diloco.OnWorkerFailure;
import diloco.RoundListener;
import diloco.RoundMetrics;
import diloco.RoundPlanner;
import diloco.RoundRunner;
import diloco.RoundWatch;
import diloco.StopSignal;
import diloco.Validation;
import diloco.WorkerPool;
import diloco.checkpoint.CheckpointSettings;
import diloco.checkpoint.Checkpoints;
import diloco.checkpoint.InnerStateSync;
import diloco.config.Resume;
import diloco.config.TrainConfig;
import diloco.data.DataStats;
import diloco.data.DocumentSource;
import diloco.data.PreparedDataset;
import diloco.data.TrainingData;
import diloco.io.BuildInfo;
import diloco.io.HadoopConf;
import diloco.io.HadoopFiles;
import diloco.io.Json;
import diloco.io.SafeTensors;
import diloco.model.Gpt;
import diloco.model.ModelConfig;
import diloco.optim.DelayedNesterov;
import diloco.optim.OuterLrSchedule;
import diloco.optim.OuterOptimizer;
import diloco.pace.SyncMode;
import diloco.option.UserError;
import diloco.spark.ResourceCheck;
import diloco.spark.Sessions;
import diloco.spark.SparkWorkerPool;
import diloco.state.KeptStates;
import diloco.state.WorkerStateStore;
import diloco.tokenize.Tokenizer;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A whole DiLoCo run on Spark: checks, data, resume, then {@link DiLoCoLoop} with the listeners
 * every run has (validation, metrics and charts, progress, checkpoints, timeouts, the divergence
 * guard) and any an entry point adds. Everything that can fail on bad input fails before anything
 * is written to the output directory; a stop request (SIGTERM) ends the run at a checkpoint. With
 * {@code --validate-only} the run stops right there, after every check and before the first write,
 * so a pre-flight check is these very checks rather than a copy that could drift from them.
 */
public final class DiLoCoTrainer {
    private final SparkSession spark;
    private final TrainConfig requested;
    private final DocumentSource documents;
    private final Log log;
    private final StopSignal stop;
    private final List<RoundListener> extra = new ArrayList<>();

    /** A run on the documents of {@code --data}. */
    public DiLoCoTrainer(SparkSession spark, TrainConfig cfg, java.io.PrintStream log) {
        this(spark, cfg, DocumentSource.of(cfg.data().source()), Log.standard(log), StopSignal.none());
    }

    /** A run on the documents of {@code --data}, stopping at a checkpoint when {@code stop} is requested. */
    public DiLoCoTrainer(SparkSession spark, TrainConfig cfg, java.io.PrintStream log, StopSignal stop) {
        this(spark, cfg, DocumentSource.of(cfg.data().source()), Log.standard(log), stop);
    }

    public DiLoCoTrainer(SparkSession spark, TrainConfig cfg, DocumentSource documents, Log log, StopSignal stop) {
        this.spark = spark;
        this.requested = cfg;
        this.documents = documents;
        this.log = log;
        this.stop = stop;
    }

    /** Attaches a listener after the standard ones. */
    public DiLoCoTrainer withListener(RoundListener listener) {
        extra.add(listener);
        return this;
    }

    /**
     * The final state of a run.
     *
     * @param theta          θ at the end
     * @param initialValLoss validation loss of the initial model (null without validation)
     * @param finalValLoss   validation loss after the last validated round
     * @param metrics        every round's metrics, from round 1 (a resumed run's earlier rounds included)
     * @param stopped        the run stopped early on request, at a checkpoint of round {@code rounds}
     * @param rounds         the last completed round
     * @param out            the run's output directory
     * @param data           what the run trains and validates on
     * @param model          the model's shape (its vocabulary is the tokenizer's)
     * @param tokenizer      the tokenizer of the data and the model
     * @param validated      {@code --validate-only}: every check passed, nothing was trained or written;
     *                       {@code theta} is the initial θ and {@code rounds} the checkpoint round a run
     *                       would continue from (0: from the beginning)
     */
    public record Result(float[] theta, Double initialValLoss, Double finalValLoss, List<RoundMetrics> metrics,
            boolean stopped, int rounds, String out, DataStats data, ModelConfig model, Tokenizer tokenizer,
            boolean validated) {

        static Result validated(float[] theta, int resumeRound, String out, DataStats data, ModelConfig model,
                Tokenizer tokenizer) {
            return new Result(theta, null, null, List.of(), false, resumeRound, out, data, model, tokenizer, true);
        }
    }

    public Result run() throws IOException {
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Sessions.check(sc.sc(), requested.faults(), log);
        boolean resuming = requested.get(RESUME) || requested.get(RESUME_IF_PRESENT);
        RunOutput out = RunOutput.check(sc.hadoopConfiguration(), requested.get(OUT), requested.get(OVERWRITE) || resuming);
        Path outDir = qualified(sc, requested.get(OUT));
        TokenizedConfig resolved = TokenizedConfig.resolve(sc.hadoopConfiguration(), requested, documents.path());
        PreparedDataset prepared = resolved.prepared();
        Tokenizer tokenizer = resolved.tokenizer();
        TrainConfig asked = resolved.config();
        Gpt model = new Gpt(asked.model());
        int parameters = model.layout().size();
        ResourceCheck.check(sc, asked.sizing(parameters), log);
        Checkpoints checkpoints = new Checkpoints(sc.hadoopConfiguration(), outDir);
        Map<String, Object> earlier = resuming ? earlierRun(sc, outDir) : null;
        if (earlier != null) { // before the checkpoint's shapes are compared: a new vocabulary would fail there, less clearly
            checkTokenizer(earlier.get("tokenizer"), tokenizer);
        }
        Checkpoints.Loaded resumeFrom = resuming ? findCheckpoint(checkpoints, model) : null;
        List<String> notes = new ArrayList<>();
        if (resumeFrom != null) {
            checkTokenizer(resumeFrom.state.get("tokenizer"), tokenizer);
        }
        TrainConfig cfg = resumeFrom == null ? asked : Resume.reconcile(asked, resumeFrom.state, resumeFrom.round, notes);
        float[] theta = resumeFrom == null ? initialParameters(sc, model) : resumeFrom.theta;
        log.say("model %s: %,d parameters; each outer gradient is %.2f MiB", cfg.model(), parameters,
                parameters * 4 / 1048576.0);

        long started = System.nanoTime();
        TrainingData data = prepared != null ? TrainingData.fromPrepared(sc, prepared, cfg.data(), cfg.model().context())
                : TrainingData.prepare(spark, documents, cfg.data(), cfg.model().context(), tokenizer);
        try {
            if (resumeFrom != null) {
                Object stored = ((Map<?, ?>) resumeFrom.state.get("data")).get("fingerprint");
                UserError.check(data.stats.fingerprint().equals(stored),
                        "--resume: the data changed since the checkpoint (fingerprint %s, the checkpoint has %s)",
                        data.stats.fingerprint(), stored);
            }
            log.say("tokenizer %s: vocabulary %,d, %.3f tokens per byte of validation text", tokenizer.name(),
                    tokenizer.vocabSize(), data.stats.valTokensPerByte());
            log.say("data %s: %,d documents, %,d tokens (validation: %,d documents, %d windows); fingerprint %s",
                    documents.describe(), data.stats.documents(), data.stats.tokens(), data.stats.valDocuments(),
                    data.validation.length, data.stats.fingerprint());
            log.say("workers %d (tokens per worker %s), H=%d inner steps, %d rounds, %s outer lr %s (%s) momentum %s",
                    cfg.get(WORKERS), Arrays.toString(data.stats.workerTokens()), cfg.get(INNER_STEPS), cfg.get(ROUNDS),
                    cfg.get(OUTER_OPTIMIZER).name().toLowerCase(Locale.ROOT), cfg.get(OUTER_LR),
                    cfg.get(OUTER_LR_SCHEDULE), cfg.get(OUTER_MOMENTUM));
            notes.forEach(n -> log.say("%s", n));
            if (requested.get(VALIDATE_ONLY)) { // every check has passed; the next line is the run's first write
                return Result.validated(theta, resumeFrom == null ? 0 : resumeFrom.round, outDir.toString(), data.stats,
                        cfg.model(), tokenizer);
            }
            out.create(resumeFrom == null);
            out.writeTokenizer(tokenizer);
            String runId = UUID.randomUUID().toString();
            Map<String, Object> runInfo = runInfo(sc, cfg, parameters, data, tokenizer, runId, resumeFrom);
            out.writeRunJson(runInfo);
            boolean async = cfg.get(SYNC) == SyncMode.ASYNC;
            OuterOptimizer outer = async ? new DelayedNesterov(theta.length, cfg.get(OUTER_MOMENTUM), cfg.get(WORKERS))
                    : cfg.outer().optimizer(theta.length);
            LoopState state = LoopState.start(cfg.get(WORKERS));
            if (resumeFrom != null) {
                outer.load(resumeFrom.outer);
                state = LoopState.fromJson(resumeFrom.state, resumeFrom.round);
                log.say("resumed from %s: round %d of %d", resumeFrom.dir, resumeFrom.round, cfg.get(ROUNDS));
            }
            KeptStates states = new KeptStates(runId, new HadoopConf(sc.hadoopConfiguration()), outDir.toString(),
                    cfg.checkpoints().everyRound());
            // executors share the driver's JVM in local mode: free the states there; elsewhere idle eviction does
            Runnable freeStates = sc.sc().isLocal() ? () -> WorkerStateStore.get().clear(runId) : () -> { };
            SparkWorkerPool.Settings workerSettings = new SparkWorkerPool.Settings(cfg.model(), cfg.inner(), cfg.compute(),
                    cfg.communication(), cfg.faults(), cfg.pacing());
            try (WorkerPool workers = new SparkWorkerPool(sc, data, workerSettings, states, freeStates)) {
                LoopEnd end = loop(cfg, workers, outer, out, checkpoints, model, data, tokenizer, runInfo, started,
                        state.async()).run(theta, state);
                LoopState last = end.state();
                boolean stopped = end.ending() == LoopEnd.Ending.STOPPED;
                if (stopped) {
                    log.say("stopped on request after round %d; checkpoint round %d in %s; rerun with --resume to continue",
                            last.round(), last.checkpointRound(), out.dir());
                }
                return new Result(theta, last.initialValLoss(), last.lastValLoss(), last.metrics(), stopped, last.round(),
                        outDir.toString(), data.stats, cfg.model(), tokenizer, false);
            }
        } finally {
            data.release();
        }
    }

    /**
     * The loop with the plug-ins every run has (validation, checkpoints, the round watch as its
     * recovery policy) and the standard listeners, in the order they act after each round, then
     * the added ones.
     */
    private DiLoCoLoop loop(TrainConfig cfg, WorkerPool workers, OuterOptimizer outer, RunOutput out,
            Checkpoints checkpoints, Gpt model, TrainingData data, Tokenizer tokenizer, Map<String, Object> runInfo,
            long started, AsyncState resumedAsync) {
        int rounds = cfg.get(ROUNDS);
        FaultSettings faults = cfg.faults();
        RoundWatch watch = new RoundWatch(workers, faults, stop, log);
        List<RoundListener> listeners = new ArrayList<>(List.of(watch, new BadRoundGuard(faults.maxBadRounds(), log)));
        Map<String, String> modelMeta = new LinkedHashMap<>(); // what the model is, not which run made it (run.json says)
        modelMeta.put("rounds", Integer.toString(rounds));
        modelMeta.put("data_fingerprint", data.stats.fingerprint());
        listeners.add(new RunFiles(out, runInfo, model.layout(), cfg.model(), tokenizer, modelMeta, started, log));
        listeners.add(new Progress(rounds, log));
        listeners.add(new Placement(log));
        listeners.addAll(extra);
        Map<String, Object> provenance = new LinkedHashMap<>();
        provenance.put("config", cfg.toRecord());
        provenance.put("data", data.stats.toMap());
        provenance.put("tokenizer", tokenizer.describe());
        provenance.put("run_id", runInfo.get("run_id"));
        CheckpointSettings kept = cfg.checkpoints();
        Checkpointing checkpointing = new Checkpointing(workers, checkpoints, model.layout(), outer, provenance,
                kept.every(), rounds, kept.keep(), log);
        Evaluation validation = data.validation.length > 0
                ? new Validation(workers, cfg.get(EVAL_EVERY), rounds, data.stats.valTokensPerByte()) : Evaluation.NONE;
        RoundRunner round = outer instanceof DelayedNesterov dn
                ? new AsyncRounds(workers, dn, cfg.outer().lrSchedule(rounds), cfg.pacing(), cfg.get(INNER_STEPS),
                        cfg.get(SEED), resumedAsync)
                : new DiLoCoRound(workers, outer, cfg.outer().lrSchedule(rounds), cfg.get(CLOCK));
        RoundPlanner planner = new RoundPlanner(cfg.pool(), rounds, cfg.get(SEED), faults.dropProbability(),
                cfg.get(INNER_STEPS), cfg.pacing());
        return new DiLoCoLoop(round, planner, validation, checkpointing, watch, stop, listeners);
    }

    /** run.json of the run in {@code outDir}, or null when there is none (or it cannot be read: the checkpoint decides). */
    private static Map<String, Object> earlierRun(JavaSparkContext sc, Path outDir) {
        try {
            HadoopFiles files = new HadoopFiles(sc.hadoopConfiguration());
            Path runJson = new Path(outDir, RunOutput.RUN_JSON);
            Map<String, Object> run = files.fileSystem(runJson).exists(runJson)
                    ? Json.parseObject(new String(files.read(runJson), StandardCharsets.UTF_8)) : null;
            return run != null && run.containsKey("config") ? run : null; // a run's record, not a stray file
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** A resumed run's tokenizer must be the checkpoint's, by content (a checkpoint without one used bytes). */
    private static void checkTokenizer(Object stored, Tokenizer tokenizer) {
        String sha = stored instanceof Map<?, ?> m ? String.valueOf(m.get("sha256")) : Tokenizer.BYTES.sha256();
        String name = stored instanceof Map<?, ?> m ? String.valueOf(m.get("name")) : "bytes";
        UserError.check(sha.equals(tokenizer.sha256()),
                "--resume: the checkpoint was trained with --tokenizer %s (sha256 %s), this run has %s (sha256 %s): "
                        + "resume with the same tokenizer", name, sha.substring(0, Math.min(12, sha.length())),
                tokenizer.name(), tokenizer.sha256().substring(0, 12));
    }

    /** The checkpoint to resume from, per --resume / --resume-if-present; verified. */
    private Checkpoints.Loaded findCheckpoint(Checkpoints checkpoints, Gpt model) throws IOException {
        boolean strict = requested.get(RESUME);
        Checkpoints.Loaded newest = checkpoints.newestUsable(model.layout(), strict, w -> log.say("%s", w));
        if (newest == null) {
            UserError.check(!strict,
                    "--resume: no complete checkpoint in %s/checkpoints (start without --resume, or use --resume-if-present)",
                    requested.get(OUT));
            log.say("no checkpoint in %s: starting from the beginning (--resume-if-present)", requested.get(OUT));
        }
        return newest;
    }

    /** θ₀: the seeded GPT-2 initialisation, or the parameters of --init-from. */
    private float[] initialParameters(JavaSparkContext sc, Gpt model) {
        String from = requested.get(INIT_FROM);
        if (from == null) {
            return model.initialParameters(requested.get(SEED));
        }
        try {
            byte[] file = new HadoopFiles(sc.hadoopConfiguration()).read(new Path(from));
            float[] theta = SafeTensors.read(file).flatten(model.layout());
            log.say("initial parameters from %s", from);
            return theta;
        } catch (IOException | RuntimeException e) {
            throw new UserError("--init-from " + from + ": " + String.valueOf(e.getMessage()).split("\n")[0]);
        }
    }

    /**
     * The output directory as a full URI, the same for driver and executors. A {@code file://}
     * directory on a cluster would scatter the workers' state files over the executors' own disks,
     * so it is refused unless --shared-local-fs says the path is shared (NFS, or one machine).
     */
    private Path qualified(JavaSparkContext sc, String out) throws IOException {
        Path p = new Path(out);
        Path q = p.getFileSystem(sc.hadoopConfiguration()).makeQualified(p);
        boolean oneMachine = sc.sc().isLocal() || sc.master().startsWith("local-cluster");
        UserError.check(!"file".equals(q.toUri().getScheme()) || oneMachine || requested.get(SHARED_LOCAL_FS),
                "--out %s is on the local file system but the master is %s: workers write their states there, so use "
                        + "a shared file system (hdfs://, s3a://), or pass --shared-local-fs if every executor sees this path",
                out, sc.master());
        return q;
    }

    private Map<String, Object> runInfo(JavaSparkContext sc, TrainConfig cfg, int parameters, TrainingData data,
            Tokenizer tokenizer, String runId, Checkpoints.Loaded resumeFrom) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("run_id", runId);
        m.put("started_at", Instant.now().toString());
        m.put("resumed_from", resumeFrom == null ? null : resumeFrom.dir.toString());
        m.put("config", cfg.toRecord());
        m.put("parameters", parameters);
        m.put("data", data.stats.toMap());
        m.put("tokenizer", tokenizer.describe());
        m.put("build", BuildInfo.describe(sc.version()));
        Map<String, Object> spk = new LinkedHashMap<>();
        spk.put("master", sc.master());
        spk.put("app_id", sc.sc().applicationId());
        spk.put("default_parallelism", sc.defaultParallelism());
        m.put("spark", spk);
        return m;
    }
}
