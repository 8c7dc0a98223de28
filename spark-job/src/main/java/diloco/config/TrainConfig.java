package diloco.config;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything a DiLoCo run depends on. Immutable and serializable: the same object is shipped to
 * executors, written into {@code run.json}, and (later) into checkpoints. Build it with
 * {@link #builder()} and its {@code optX} setters; {@link Builder#build()} validates.
 */
public final class TrainConfig implements Serializable {
    private static final long serialVersionUID = 1L;

    /** How documents are read from {@link #dataPath}. */
    public enum DataFormat { AUTO, FILES, PARQUET, JSON }

    /** The driver-side optimizer applied to the averaged outer gradient. */
    public enum OuterOptimizerKind { NESTEROV, SGD, ADAM }

    /** When workers persist their inner optimizer state (for executor loss). */
    public enum InnerStateSync { AT_CHECKPOINT, EVERY_ROUND }

    /** What a round does when a worker fails all its task attempts or the round times out. */
    public enum OnWorkerFailure { FAIL, DROP }

    // data
    public final String dataPath;
    public final DataFormat format;
    public final String textColumn;
    public final String idColumn;
    public final double valFraction;
    public final int valWindows;
    public final long valSeed;
    /** Non-i.i.d. sharding: regex whose first group is a document's key (null = hash, i.i.d.). */
    public final String shardBy;
    // DiLoCo shape
    public final int workers;
    public final int innerSteps;
    public final int rounds;
    public final int batchSize;
    public final String preset;
    public final ModelConfig model;
    /** A model.safetensors to start from instead of the random initialisation (null = none). */
    public final String initFrom;
    /** Probability that a worker's outer gradient is lost in a round (seeded; 0 = never). */
    public final double dropProbability;
    /** Active workers per round (see {@link diloco.PoolSchedule}); null = all workers every round. */
    public final String poolSchedule;
    // inner AdamW
    public final float innerLr;
    public final int warmupSteps;
    public final long lrDecaySteps;
    public final float minLrRatio;
    public final float weightDecay;
    public final float gradClip;
    public final float innerBeta1;
    public final float innerBeta2;
    public final float innerEps;
    // outer optimizer
    public final OuterOptimizerKind outerOptimizer;
    public final float outerLr;
    /** The outer learning rate per round (see {@link diloco.optim.OuterLrSchedule}). */
    public final String outerLrSchedule;
    public final float outerMomentum;
    public final float outerBeta2;
    public final float outerEps;
    // distribution and runtime
    public final int aggregationDepth;
    public final int evalEvery;
    public final int threadsPerWorker;
    public final String device;
    public final long seed;
    public final String out;
    public final boolean overwrite;
    // fault tolerance
    public final int checkpointEvery;
    public final int keepCheckpoints;
    public final boolean resume;
    public final boolean resumeIfPresent;
    public final InnerStateSync innerStateSync;
    public final OnWorkerFailure onWorkerFailure;
    public final int taskMaxFailures;
    public final double maxOuterGradNorm;
    public final int maxBadRounds;
    public final double roundTimeout;
    public final double shutdownGrace;
    public final boolean sharedLocalFs;
    /** Whether --lr-decay-steps was given (a resumed run keeps the stored schedule otherwise). */
    public final boolean lrDecayStepsGiven;

    private TrainConfig(Builder b) {
        dataPath = b.dataPath;
        format = b.format;
        textColumn = b.textColumn;
        idColumn = b.idColumn;
        valFraction = b.valFraction;
        valWindows = b.valWindows;
        valSeed = b.valSeed;
        shardBy = b.shardBy;
        workers = b.workers;
        innerSteps = b.innerSteps;
        rounds = b.rounds;
        batchSize = b.batchSize;
        preset = b.preset;
        model = b.resolveModel();
        initFrom = b.initFrom;
        dropProbability = b.dropProbability;
        poolSchedule = b.poolSchedule;
        innerLr = b.innerLr;
        warmupSteps = b.warmupSteps;
        lrDecaySteps = b.lrDecaySteps > 0 ? b.lrDecaySteps : (long) b.rounds * b.innerSteps;
        minLrRatio = b.minLrRatio;
        weightDecay = b.weightDecay;
        gradClip = b.gradClip;
        innerBeta1 = b.innerBeta1;
        innerBeta2 = b.innerBeta2;
        innerEps = b.innerEps;
        outerOptimizer = b.outerOptimizer;
        outerLr = b.outerLr;
        outerLrSchedule = b.outerLrSchedule;
        outerMomentum = b.outerMomentum;
        outerBeta2 = b.outerBeta2;
        outerEps = b.outerEps;
        aggregationDepth = b.aggregationDepth;
        evalEvery = b.evalEvery;
        threadsPerWorker = b.threadsPerWorker;
        device = b.device;
        seed = b.seed;
        out = b.out;
        overwrite = b.overwrite;
        checkpointEvery = b.checkpointEvery;
        keepCheckpoints = b.keepCheckpoints;
        resume = b.resume;
        resumeIfPresent = b.resumeIfPresent;
        innerStateSync = b.innerStateSync;
        onWorkerFailure = b.onWorkerFailure;
        taskMaxFailures = b.taskMaxFailures;
        maxOuterGradNorm = b.maxOuterGradNorm;
        maxBadRounds = b.maxBadRounds;
        roundTimeout = b.roundTimeout;
        shutdownGrace = b.shutdownGrace;
        sharedLocalFs = b.sharedLocalFs;
        lrDecayStepsGiven = b.lrDecaySteps > 0;
    }

    /** A copy with another learning-rate schedule length (a resumed run keeps the stored one). */
    public TrainConfig withLrDecaySteps(long steps) {
        return toBuilder().optLrDecaySteps(steps).build();
    }

    /** A builder holding every value of this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.dataPath = dataPath;
        b.format = format;
        b.textColumn = textColumn;
        b.idColumn = idColumn;
        b.valFraction = valFraction;
        b.valWindows = valWindows;
        b.valSeed = valSeed;
        b.shardBy = shardBy;
        b.initFrom = initFrom;
        b.dropProbability = dropProbability;
        b.poolSchedule = poolSchedule;
        b.workers = workers;
        b.innerSteps = innerSteps;
        b.rounds = rounds;
        b.batchSize = batchSize;
        b.preset = preset;
        b.vocabSize = model.vocabSize;
        b.context = model.context;
        b.layers = model.layers;
        b.dModel = model.dModel;
        b.heads = model.heads;
        b.dropout = model.dropout;
        b.innerLr = innerLr;
        b.warmupSteps = warmupSteps;
        b.lrDecaySteps = lrDecayStepsGiven ? lrDecaySteps : 0;
        b.minLrRatio = minLrRatio;
        b.weightDecay = weightDecay;
        b.gradClip = gradClip;
        b.innerBeta1 = innerBeta1;
        b.innerBeta2 = innerBeta2;
        b.innerEps = innerEps;
        b.outerOptimizer = outerOptimizer;
        b.outerLr = outerLr;
        b.outerLrSchedule = outerLrSchedule;
        b.outerMomentum = outerMomentum;
        b.outerBeta2 = outerBeta2;
        b.outerEps = outerEps;
        b.aggregationDepth = aggregationDepth;
        b.evalEvery = evalEvery;
        b.threadsPerWorker = threadsPerWorker;
        b.device = device;
        b.seed = seed;
        b.out = out;
        b.overwrite = overwrite;
        b.checkpointEvery = checkpointEvery;
        b.keepCheckpoints = keepCheckpoints;
        b.resume = resume;
        b.resumeIfPresent = resumeIfPresent;
        b.innerStateSync = innerStateSync;
        b.onWorkerFailure = onWorkerFailure;
        b.taskMaxFailures = taskMaxFailures;
        b.maxOuterGradNorm = maxOuterGradNorm;
        b.maxBadRounds = maxBadRounds;
        b.roundTimeout = roundTimeout;
        b.shutdownGrace = shutdownGrace;
        b.sharedLocalFs = sharedLocalFs;
        return b;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Total inner steps each worker takes over the run (H x R). */
    public long totalInnerSteps() {
        return (long) rounds * innerSteps;
    }

    /** Tokens in one inner step of one worker. */
    public long tokensPerStep() {
        return (long) batchSize * model.context;
    }

    /** The resolved configuration, snake_case keys, for run.json and checkpoints. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", dataPath);
        m.put("format", format.name().toLowerCase(Locale.ROOT));
        m.put("text_column", textColumn);
        m.put("id_column", idColumn);
        m.put("val_fraction", valFraction);
        m.put("val_windows", valWindows);
        m.put("val_seed", valSeed);
        m.put("shard_by", shardBy);
        m.put("workers", workers);
        m.put("inner_steps", innerSteps);
        m.put("rounds", rounds);
        m.put("batch_size", batchSize);
        m.put("preset", preset);
        m.put("model", model.toMap());
        m.put("init_from", initFrom);
        m.put("drop_probability", dropProbability);
        m.put("pool_schedule", poolSchedule);
        m.put("inner_lr", innerLr);
        m.put("warmup_steps", warmupSteps);
        m.put("lr_decay_steps", lrDecaySteps);
        m.put("min_lr_ratio", minLrRatio);
        m.put("weight_decay", weightDecay);
        m.put("grad_clip", gradClip);
        m.put("inner_beta1", innerBeta1);
        m.put("inner_beta2", innerBeta2);
        m.put("inner_eps", innerEps);
        m.put("outer_optimizer", outerOptimizer.name().toLowerCase(Locale.ROOT));
        m.put("outer_lr", outerLr);
        m.put("outer_lr_schedule", outerLrSchedule);
        m.put("outer_momentum", outerMomentum);
        m.put("outer_beta2", outerBeta2);
        m.put("outer_eps", outerEps);
        m.put("aggregation_depth", aggregationDepth);
        m.put("eval_every", evalEvery);
        m.put("threads_per_worker", threadsPerWorker);
        m.put("device", device);
        m.put("seed", seed);
        m.put("out", out);
        m.put("checkpoint_every", checkpointEvery);
        m.put("keep_checkpoints", keepCheckpoints);
        m.put("inner_state_sync", innerStateSync.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        m.put("on_worker_failure", onWorkerFailure.name().toLowerCase(Locale.ROOT));
        m.put("task_max_failures", taskMaxFailures);
        m.put("max_outer_grad_norm", maxOuterGradNorm);
        m.put("max_bad_rounds", maxBadRounds);
        m.put("round_timeout", roundTimeout);
        m.put("shutdown_grace", shutdownGrace);
        return m;
    }

    /** Builder with DJL-style {@code optX} setters; defaults follow the paper where one applies. */
    public static final class Builder {
        private String dataPath;
        private DataFormat format = DataFormat.AUTO;
        private String textColumn;
        private String idColumn;
        private double valFraction = 0.05;
        private int valWindows = 64;
        private long valSeed = 1234;
        private String shardBy;
        private String initFrom;
        private double dropProbability = 0;
        private String poolSchedule;
        private int workers = 8;
        private int innerSteps = 500;
        private int rounds = 128;
        private int batchSize = 16;
        private String preset = "small";
        private int vocabSize = 256;
        private Integer context;
        private Integer layers;
        private Integer dModel;
        private Integer heads;
        private float dropout = 0f;
        private float innerLr = 4e-4f;
        private int warmupSteps = 1000;
        private long lrDecaySteps = 0;
        private float minLrRatio = 0.1f;
        private float weightDecay = 0.1f;
        private float gradClip = 1.0f;
        private float innerBeta1 = 0.9f;
        private float innerBeta2 = 0.95f;
        private float innerEps = 1e-8f;
        private OuterOptimizerKind outerOptimizer = OuterOptimizerKind.NESTEROV;
        private float outerLr = 0.7f;
        private String outerLrSchedule = "constant";
        private float outerMomentum = 0.9f;
        private float outerBeta2 = 0.999f;
        private float outerEps = 0.1f;
        private int aggregationDepth = 2;
        private int evalEvery = 1;
        private int threadsPerWorker = 0;
        private String device = "auto";
        private long seed = 0;
        private String out;
        private boolean overwrite = false;
        private int checkpointEvery = 10;
        private int keepCheckpoints = 2;
        private boolean resume;
        private boolean resumeIfPresent;
        private InnerStateSync innerStateSync = InnerStateSync.AT_CHECKPOINT;
        private OnWorkerFailure onWorkerFailure = OnWorkerFailure.FAIL;
        private int taskMaxFailures = 4;
        private double maxOuterGradNorm = 0;
        private int maxBadRounds = 3;
        private double roundTimeout = 0;
        private double shutdownGrace = 60;
        private boolean sharedLocalFs;

        public Builder optData(String v) { dataPath = v; return this; }
        public Builder optFormat(DataFormat v) { format = v; return this; }
        public Builder optTextColumn(String v) { textColumn = v; return this; }
        public Builder optIdColumn(String v) { idColumn = v; return this; }
        public Builder optValFraction(double v) { valFraction = v; return this; }
        public Builder optValWindows(int v) { valWindows = v; return this; }
        public Builder optValSeed(long v) { valSeed = v; return this; }
        public Builder optShardBy(String v) { shardBy = v; return this; }
        public Builder optInitFrom(String v) { initFrom = v; return this; }
        public Builder optDropProbability(double v) { dropProbability = v; return this; }
        public Builder optPoolSchedule(String v) { poolSchedule = v; return this; }
        public Builder optWorkers(int v) { workers = v; return this; }
        public Builder optInnerSteps(int v) { innerSteps = v; return this; }
        public Builder optRounds(int v) { rounds = v; return this; }
        public Builder optBatchSize(int v) { batchSize = v; return this; }
        public Builder optPreset(String v) { preset = v; return this; }
        public Builder optVocabSize(int v) { vocabSize = v; return this; }
        public Builder optContext(int v) { context = v; return this; }
        public Builder optLayers(int v) { layers = v; return this; }
        public Builder optDModel(int v) { dModel = v; return this; }
        public Builder optHeads(int v) { heads = v; return this; }
        public Builder optDropout(float v) { dropout = v; return this; }
        public Builder optInnerLr(float v) { innerLr = v; return this; }
        public Builder optWarmupSteps(int v) { warmupSteps = v; return this; }
        public Builder optLrDecaySteps(long v) { lrDecaySteps = v; return this; }
        public Builder optMinLrRatio(float v) { minLrRatio = v; return this; }
        public Builder optWeightDecay(float v) { weightDecay = v; return this; }
        public Builder optGradClip(float v) { gradClip = v; return this; }
        public Builder optInnerBeta1(float v) { innerBeta1 = v; return this; }
        public Builder optInnerBeta2(float v) { innerBeta2 = v; return this; }
        public Builder optInnerEps(float v) { innerEps = v; return this; }
        public Builder optOuterOptimizer(OuterOptimizerKind v) { outerOptimizer = v; return this; }
        public Builder optOuterLr(float v) { outerLr = v; return this; }
        public Builder optOuterLrSchedule(String v) { outerLrSchedule = v; return this; }
        public Builder optOuterMomentum(float v) { outerMomentum = v; return this; }
        public Builder optOuterBeta2(float v) { outerBeta2 = v; return this; }
        public Builder optOuterEps(float v) { outerEps = v; return this; }
        public Builder optAggregationDepth(int v) { aggregationDepth = v; return this; }
        public Builder optEvalEvery(int v) { evalEvery = v; return this; }
        public Builder optThreadsPerWorker(int v) { threadsPerWorker = v; return this; }
        public Builder optDevice(String v) { device = v; return this; }
        public Builder optSeed(long v) { seed = v; return this; }
        public Builder optOut(String v) { out = v; return this; }
        public Builder optOverwrite(boolean v) { overwrite = v; return this; }
        public Builder optCheckpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder optKeepCheckpoints(int v) { keepCheckpoints = v; return this; }
        public Builder optResume(boolean v) { resume = v; return this; }
        public Builder optResumeIfPresent(boolean v) { resumeIfPresent = v; return this; }
        public Builder optInnerStateSync(InnerStateSync v) { innerStateSync = v; return this; }
        public Builder optOnWorkerFailure(OnWorkerFailure v) { onWorkerFailure = v; return this; }
        public Builder optTaskMaxFailures(int v) { taskMaxFailures = v; return this; }
        public Builder optMaxOuterGradNorm(double v) { maxOuterGradNorm = v; return this; }
        public Builder optMaxBadRounds(int v) { maxBadRounds = v; return this; }
        public Builder optRoundTimeout(double v) { roundTimeout = v; return this; }
        public Builder optShutdownGrace(double v) { shutdownGrace = v; return this; }
        public Builder optSharedLocalFs(boolean v) { sharedLocalFs = v; return this; }

        private ModelConfig resolveModel() {
            ModelConfig m = ModelConfig.preset(preset, vocabSize);
            if (context != null) m = m.withContext(context);
            if (layers != null) m = m.withLayers(layers);
            if (dModel != null) m = m.withDModel(dModel);
            if (heads != null) m = m.withHeads(heads);
            return m.withDropout(dropout);
        }

        /** Validates every value and returns the immutable config; throws {@link UserError}. */
        public TrainConfig build() {
            UserError.check(dataPath != null && !dataPath.isBlank(), "--data is required");
            UserError.check(workers >= 1, "--workers must be >= 1, got %d", workers);
            UserError.check(innerSteps >= 1, "--inner-steps must be >= 1, got %d", innerSteps);
            UserError.check(rounds >= 1, "--rounds must be >= 1, got %d", rounds);
            UserError.check(batchSize >= 1, "--batch-size must be >= 1, got %d", batchSize);
            UserError.check(positiveFinite(innerLr), "--inner-lr must be > 0, got %s", innerLr);
            UserError.check(warmupSteps >= 0, "--warmup-steps must be >= 0, got %d", warmupSteps);
            UserError.check(lrDecaySteps >= 0, "--lr-decay-steps must be >= 0, got %d", lrDecaySteps);
            UserError.check(minLrRatio >= 0f && minLrRatio <= 1f, "--min-lr-ratio must be in [0, 1], got %s", minLrRatio);
            UserError.check(weightDecay >= 0f && Float.isFinite(weightDecay), "--weight-decay must be >= 0, got %s", weightDecay);
            UserError.check(gradClip >= 0f && Float.isFinite(gradClip), "--grad-clip must be >= 0 (0 disables), got %s", gradClip);
            UserError.check(innerBeta1 >= 0f && innerBeta1 < 1f, "--inner-beta1 must be in [0, 1), got %s", innerBeta1);
            UserError.check(innerBeta2 >= 0f && innerBeta2 < 1f, "--inner-beta2 must be in [0, 1), got %s", innerBeta2);
            UserError.check(positiveFinite(innerEps), "--inner-eps must be > 0, got %s", innerEps);
            UserError.check(positiveFinite(outerLr), "--outer-lr must be > 0, got %s", outerLr);
            UserError.check(outerMomentum >= 0f && outerMomentum < 1f, "--outer-momentum must be in [0, 1), got %s", outerMomentum);
            UserError.check(outerBeta2 >= 0f && outerBeta2 < 1f, "--outer-beta2 must be in [0, 1), got %s", outerBeta2);
            UserError.check(positiveFinite(outerEps), "--outer-eps must be > 0, got %s", outerEps);
            UserError.check(aggregationDepth >= 1, "--aggregation-depth must be >= 1, got %d", aggregationDepth);
            UserError.check(valFraction >= 0 && valFraction < 1, "--val-fraction must be in [0, 1), got %s", valFraction);
            UserError.check(valWindows >= 1, "--val-windows must be >= 1, got %d", valWindows);
            UserError.check(evalEvery >= 0, "--eval-every must be >= 0 (0 = only at the end), got %d", evalEvery);
            UserError.check(threadsPerWorker >= 0, "--threads-per-worker must be >= 0 (0 = all cores), got %d", threadsPerWorker);
            UserError.check(device.equals("auto") || device.equals("cpu") || device.matches("gpu(:\\d+)?"),
                    "--device must be auto, cpu, gpu or gpu:N, got '%s'", device);
            UserError.check(idColumn == null || textColumn != null, "--id-column needs --text-column");
            UserError.check(format == DataFormat.AUTO || format == DataFormat.FILES || textColumn != null,
                    "--format %s needs --text-column", format.name().toLowerCase(Locale.ROOT));
            UserError.check(format != DataFormat.FILES || textColumn == null,
                    "--text-column applies to parquet/json data, not to --format files");
            UserError.check(checkpointEvery >= 0, "--checkpoint-every must be >= 0 (0 = only at the end), got %d", checkpointEvery);
            UserError.check(keepCheckpoints >= 1, "--keep-checkpoints must be >= 1, got %d", keepCheckpoints);
            UserError.check(!(resume && resumeIfPresent), "--resume and --resume-if-present exclude each other");
            UserError.check(taskMaxFailures >= 1, "--task-max-failures must be >= 1, got %d", taskMaxFailures);
            UserError.check(maxOuterGradNorm >= 0, "--max-outer-grad-norm must be >= 0 (0 = no limit), got %s", maxOuterGradNorm);
            UserError.check(maxBadRounds >= 1, "--max-bad-rounds must be >= 1, got %d", maxBadRounds);
            UserError.check(roundTimeout >= 0, "--round-timeout must be >= 0 seconds (0 = none), got %s", roundTimeout);
            UserError.check(shutdownGrace >= 0, "--shutdown-grace must be >= 0 seconds, got %s", shutdownGrace);
            UserError.check(dropProbability >= 0 && dropProbability <= 1, "--drop-probability must be in [0, 1], got %s",
                    dropProbability);
            if (shardBy != null) {
                try {
                    java.util.regex.Pattern.compile(shardBy);
                } catch (java.util.regex.PatternSyntaxException e) {
                    throw new UserError("--shard-by is not a valid regular expression: " + e.getDescription());
                }
            }
            if (poolSchedule != null) {
                diloco.PoolSchedule.parse(poolSchedule, workers); // throws UserError when malformed
            }
            diloco.optim.OuterLrSchedule.parse(outerLrSchedule, outerLr, rounds); // likewise
            ModelConfig m = resolveModel();
            m.validate();
            return new TrainConfig(this);
        }

        private static boolean positiveFinite(float v) {
            return v > 0f && Float.isFinite(v);
        }
    }
}
