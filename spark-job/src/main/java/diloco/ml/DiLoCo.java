package diloco.ml;

import static diloco.config.Options.DATA;
import static diloco.config.Options.OUT;
import static diloco.config.Options.RESUME;
import static diloco.config.Options.RESUME_IF_PRESENT;

import diloco.Log;
import diloco.StopSignal;
import diloco.config.Options;
import diloco.config.TrainConfig;
import diloco.data.DocumentSource;
import diloco.option.Option;
import diloco.option.UserError;
import diloco.run.DiLoCoTrainer;

import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.FloatParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;

/**
 * DiLoCo as a Spark ML {@link Estimator}: {@code fit} trains a GPT on a DataFrame's documents (one
 * row = one document, in {@link #textCol()}) exactly as the command line trains on {@code --data},
 * and returns a {@link DiLoCoModel}. Every job option is a Param of the same name in camelCase
 * ({@code --inner-steps} is {@code innerSteps}), with the same default, documentation and check,
 * all read from {@link Options}; the options a DataFrame or the session replaces ({@code --data},
 * {@code --format}, {@code --text-column}, {@code --id-column}, {@code --out},
 * {@code --shutdown-grace}) are {@link #textCol()}, {@link #idCol()} and {@link #outputDir()}.
 *
 * <pre>
 *   DiLoCoModel model = new DiLoCo().setWorkers(4).setInnerSteps(50).setRounds(6).fit(documents);
 *   model.transform(documents).select("perplexity").show();
 * </pre>
 *
 * Progress goes to the driver's log (logger {@code diloco.ml.DiLoCo}), one line per round.
 */
public final class DiLoCo extends Estimator<DiLoCoModel> implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DiLoCo.class);

    private final String uid;
    private final OptionParams options;
    private final Param<String> textCol;
    private final Param<String> idCol;
    private final Param<String> outputDir;

    public DiLoCo() {
        this(Identifiable$.MODULE$.randomUID("diloco"));
    }

    public DiLoCo(String uid) {
        this.uid = uid; // before the Params: they record their parent's uid
        this.options = new OptionParams(this, Options.params());
        this.textCol = new Param<>(this, "textCol", "column of document text: a string (UTF-8 encoded) or binary "
                + "(taken as bytes); one row is one document");
        this.idCol = new Param<>(this, "idCol", "column with a stable document id (any type, as a string; default: a "
                + "hash of the text); it decides the validation split and the worker of each document");
        this.outputDir = new Param<>(this, "outputDir", "where checkpoints, metrics, charts and the model go (any Hadoop "
                + "path; default on a local master: a new directory under spark.local.dir; required on a cluster)");
        options.setDefaults(this, Options.params());
        setDefault(textCol, "text");
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> textCol() {
        return textCol;
    }

    public String getTextCol() {
        return getOrDefault(textCol);
    }

    public DiLoCo setTextCol(String value) {
        set(textCol, value);
        return this;
    }

    public Param<String> idCol() {
        return idCol;
    }

    public DiLoCo setIdCol(String value) {
        set(idCol, value);
        return this;
    }

    public Param<String> outputDir() {
        return outputDir;
    }

    public DiLoCo setOutputDir(String value) {
        set(outputDir, value);
        return this;
    }

    /** Trains on the documents of {@code dataset}; see the class comment. */
    @Override
    public DiLoCoModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        SparkSession spark = dataset.sparkSession();
        TrainConfig cfg = config(spark);
        String id = isSet(idCol) ? getOrDefault(idCol) : null;
        DiLoCoTrainer.Result r;
        try {
            r = new DiLoCoTrainer(spark, cfg, DocumentSource.rows(dataset.toDF(), getTextCol(), id), LOG::info,
                    StopSignal.none()).run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DiLoCoModel model = new DiLoCoModel(uid, cfg.model(), r.theta(), r.metrics(), r.initialValLoss(), cfg.toRecord())
                .setParent(this);
        return copyValues(model, extractParamMap());
    }

    /**
     * The run's configuration: the Params set, the output directory, checked as the command line
     * checks its options.
     */
    TrainConfig config(SparkSession spark) {
        TrainConfig.Builder b = options.configure(this, Options.params());
        String out = isSet(outputDir) ? getOrDefault(outputDir) : null;
        boolean resuming = Boolean.TRUE.equals(getOrDefault(options.get(RESUME)))
                || Boolean.TRUE.equals(getOrDefault(options.get(RESUME_IF_PRESENT)));
        if (out == null) {
            UserError.check(!resuming, "resume and resumeIfPresent need outputDir: the directory of the run to continue");
            UserError.check(spark.sparkContext().isLocal(), "outputDir is required on a cluster master (%s): set it to a "
                    + "path every executor and the driver can reach, such as hdfs:///runs/NAME", spark.sparkContext().master());
            out = temporaryOutput(spark);
        }
        return b.set(OUT, out).set(DATA, "the DataFrame (" + getTextCol() + ")").build();
    }

    /** A new directory under the session's first spark.local.dir (local masters only). */
    private String temporaryOutput(SparkSession spark) {
        String dirs = spark.sparkContext().getConf().get("spark.local.dir", System.getProperty("java.io.tmpdir"));
        String name = "diloco-" + uid + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        return new File(dirs.split(",")[0].trim(), name).getAbsolutePath();
    }

    /** Checks that the text column exists and is string or binary; training adds no column. */
    @Override
    public StructType transformSchema(StructType schema) {
        DiLoCoModel.requireText(schema, getTextCol(), "textCol");
        return schema;
    }

    @Override
    public DiLoCo copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<DiLoCo> read() {
        return new DefaultParamsReader<>();
    }

    public static DiLoCo load(String path) {
        return read().load(path);
    }

    /** Sets an option's Param; a bad value fails here, naming the Param. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private DiLoCo set(Option<?> option, Object value) {
        set((Param) options.get(option), OptionParams.toParam(option, value));
        return this;
    }

    // BEGIN GENERATED PARAMS: diloco.ml.ParamsSource from diloco.config.Options (docs/regen-params.sh)

    /** fraction of documents held out for validation, by a hash of their id; 0 disables (command line: --val-fraction) */
    public DoubleParam valFraction() {
        return (DoubleParam) options.get(Options.VAL_FRACTION);
    }

    public double getValFraction() {
        return (Double) getOrDefault(valFraction());
    }

    public DiLoCo setValFraction(double value) {
        return set(Options.VAL_FRACTION, value);
    }

    /** number of fixed validation windows (context+1 tokens each) (command line: --val-windows) */
    public IntParam valWindows() {
        return (IntParam) options.get(Options.VAL_WINDOWS);
    }

    public int getValWindows() {
        return (Integer) getOrDefault(valWindows());
    }

    public DiLoCo setValWindows(int value) {
        return set(Options.VAL_WINDOWS, value);
    }

    /** seed choosing the validation windows (kept apart from seed so seeds compare on one set) (command line: --val-seed) */
    public LongParam valSeed() {
        return (LongParam) options.get(Options.VAL_SEED);
    }

    public long getValSeed() {
        return (Long) getOrDefault(valSeed());
    }

    public DiLoCo setValSeed(long value) {
        return set(Options.VAL_SEED, value);
    }

    /** non-i.i.d. shards: sort documents by the regex's first group on their id and give each worker a contiguous, token-balanced range (default: a seeded hash of the id, i.i.d.) (command line: --shard-by) */
    public Param<String> shardBy() {
        return (Param<String>) options.get(Options.SHARD_BY);
    }

    public String getShardBy() {
        return (String) getOrDefault(shardBy());
    }

    public DiLoCo setShardBy(String value) {
        return set(Options.SHARD_BY, value);
    }

    /** DiLoCo workers k; each is one Spark partition with its own shard and AdamW state (command line: --workers) */
    public IntParam workers() {
        return (IntParam) options.get(Options.WORKERS);
    }

    public int getWorkers() {
        return (Integer) getOrDefault(workers());
    }

    public DiLoCo setWorkers(int value) {
        return set(Options.WORKERS, value);
    }

    /** inner AdamW steps per worker per round (command line: --inner-steps) */
    public IntParam innerSteps() {
        return (IntParam) options.get(Options.INNER_STEPS);
    }

    public int getInnerSteps() {
        return (Integer) getOrDefault(innerSteps());
    }

    public DiLoCo setInnerSteps(int value) {
        return set(Options.INNER_STEPS, value);
    }

    /** outer rounds (communications) (command line: --rounds) */
    public IntParam rounds() {
        return (IntParam) options.get(Options.ROUNDS);
    }

    public int getRounds() {
        return (Integer) getOrDefault(rounds());
    }

    public DiLoCo setRounds(int value) {
        return set(Options.ROUNDS, value);
    }

    /** sequences per inner step per worker (command line: --batch-size) */
    public IntParam batchSize() {
        return (IntParam) options.get(Options.BATCH_SIZE);
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize());
    }

    public DiLoCo setBatchSize(int value) {
        return set(Options.BATCH_SIZE, value);
    }

    /** each worker's outer gradient is lost with this probability per round (seeded); a dropped worker continues from its own parameters (command line: --drop-probability) */
    public DoubleParam dropProbability() {
        return (DoubleParam) options.get(Options.DROP_PROBABILITY);
    }

    public double getDropProbability() {
        return (Double) getOrDefault(dropProbability());
    }

    public DiLoCo setDropProbability(double value) {
        return set(Options.DROP_PROBABILITY, value);
    }

    /** active workers per round, workers being the maximum: constant:N, ramp:A:B (linear over the rounds) or a list n1,n2,... (the last repeats); inactive workers keep their state (default: all workers every round) (command line: --pool-schedule) */
    public Param<String> poolSchedule() {
        return (Param<String>) options.get(Options.POOL_SCHEDULE);
    }

    public String getPoolSchedule() {
        return (String) getOrDefault(poolSchedule());
    }

    public DiLoCo setPoolSchedule(String value) {
        return set(Options.POOL_SCHEDULE, value);
    }

    /** number format of the outer gradients workers send: fp32, bf16 (rounded), or int8 with one scale per block of 1024 values; summed in fp32 (fp32|bf16|int8) (command line: --outer-grad-dtype) */
    public Param<String> outerGradDtype() {
        return (Param<String>) options.get(Options.OUTER_GRAD_DTYPE);
    }

    public String getOuterGradDtype() {
        return (String) getOrDefault(outerGradDtype());
    }

    public DiLoCo setOuterGradDtype(String value) {
        return set(Options.OUTER_GRAD_DTYPE, value);
    }

    /** how bf16/int8 outer gradients are rounded: to nearest, or stochastically (unbiased; seeded by seed, worker and round) (nearest|stochastic) (command line: --outer-grad-rounding) */
    public Param<String> outerGradRounding() {
        return (Param<String>) options.get(Options.OUTER_GRAD_ROUNDING);
    }

    public String getOuterGradRounding() {
        return (String) getOrDefault(outerGradRounding());
    }

    public DiLoCo setOuterGradRounding(String value) {
        return set(Options.OUTER_GRAD_ROUNDING, value);
    }

    /** fraction of each worker's outer gradient left out before it is sent: in every block of 1024 values the smallest in magnitude count as 0 and a bitmap marks the rest, which keep their sign and size (a magnitude pruning in the spirit of the paper's Table 6; workers' values are averaged as usual, no sign election); 0 sends all (command line: --outer-grad-prune) */
    public DoubleParam outerGradPrune() {
        return (DoubleParam) options.get(Options.OUTER_GRAD_PRUNE);
    }

    public double getOuterGradPrune() {
        return (Double) getOrDefault(outerGradPrune());
    }

    public DiLoCo setOuterGradPrune(double value) {
        return set(Options.OUTER_GRAD_PRUNE, value);
    }

    /** model shape; 60m/150m/400m use the paper's layers/width/heads (command line: --preset) */
    public Param<String> preset() {
        return (Param<String>) options.get(Options.PRESET);
    }

    public String getPreset() {
        return (String) getOrDefault(preset());
    }

    public DiLoCo setPreset(String value) {
        return set(Options.PRESET, value);
    }

    /** sequence length (default: from preset) (command line: --context) */
    public IntParam context() {
        return (IntParam) options.get(Options.CONTEXT);
    }

    public int getContext() {
        return (Integer) getOrDefault(context());
    }

    public DiLoCo setContext(int value) {
        return set(Options.CONTEXT, value);
    }

    /** transformer blocks (default: from preset) (command line: --layers) */
    public IntParam layers() {
        return (IntParam) options.get(Options.LAYERS);
    }

    public int getLayers() {
        return (Integer) getOrDefault(layers());
    }

    public DiLoCo setLayers(int value) {
        return set(Options.LAYERS, value);
    }

    /** model width (default: from preset) (command line: --d-model) */
    public IntParam dModel() {
        return (IntParam) options.get(Options.D_MODEL);
    }

    public int getDModel() {
        return (Integer) getOrDefault(dModel());
    }

    public DiLoCo setDModel(int value) {
        return set(Options.D_MODEL, value);
    }

    /** attention heads (default: from preset) (command line: --heads) */
    public IntParam heads() {
        return (IntParam) options.get(Options.HEADS);
    }

    public int getHeads() {
        return (Integer) getOrDefault(heads());
    }

    public DiLoCo setHeads(int value) {
        return set(Options.HEADS, value);
    }

    /** dropout probability (command line: --dropout) */
    public FloatParam dropout() {
        return (FloatParam) options.get(Options.DROPOUT);
    }

    public float getDropout() {
        return (Float) getOrDefault(dropout());
    }

    public DiLoCo setDropout(float value) {
        return set(Options.DROPOUT, value);
    }

    /** start from this model.safetensors (a run's output; same shape) instead of a random initialisation (command line: --init-from) */
    public Param<String> initFrom() {
        return (Param<String>) options.get(Options.INIT_FROM);
    }

    public String getInitFrom() {
        return (String) getOrDefault(initFrom());
    }

    public DiLoCo setInitFrom(String value) {
        return set(Options.INIT_FROM, value);
    }

    /** peak inner learning rate (command line: --inner-lr) */
    public FloatParam innerLr() {
        return (FloatParam) options.get(Options.INNER_LR);
    }

    public float getInnerLr() {
        return (Float) getOrDefault(innerLr());
    }

    public DiLoCo setInnerLr(float value) {
        return set(Options.INNER_LR, value);
    }

    /** linear warm-up steps of the inner learning rate (command line: --warmup-steps) */
    public IntParam warmupSteps() {
        return (IntParam) options.get(Options.WARMUP_STEPS);
    }

    public int getWarmupSteps() {
        return (Integer) getOrDefault(warmupSteps());
    }

    public DiLoCo setWarmupSteps(int value) {
        return set(Options.WARMUP_STEPS, value);
    }

    /** cosine decay length in inner steps (default: rounds x inner-steps) (command line: --lr-decay-steps) */
    public LongParam lrDecaySteps() {
        return (LongParam) options.get(Options.LR_DECAY_STEPS);
    }

    public long getLrDecaySteps() {
        return (Long) getOrDefault(lrDecaySteps());
    }

    public DiLoCo setLrDecaySteps(long value) {
        return set(Options.LR_DECAY_STEPS, value);
    }

    /** final learning rate as a fraction of the peak (command line: --min-lr-ratio) */
    public FloatParam minLrRatio() {
        return (FloatParam) options.get(Options.MIN_LR_RATIO);
    }

    public float getMinLrRatio() {
        return (Float) getOrDefault(minLrRatio());
    }

    public DiLoCo setMinLrRatio(float value) {
        return set(Options.MIN_LR_RATIO, value);
    }

    /** decoupled weight decay (matrices and embeddings only) (command line: --weight-decay) */
    public FloatParam weightDecay() {
        return (FloatParam) options.get(Options.WEIGHT_DECAY);
    }

    public float getWeightDecay() {
        return (Float) getOrDefault(weightDecay());
    }

    public DiLoCo setWeightDecay(float value) {
        return set(Options.WEIGHT_DECAY, value);
    }

    /** clip gradients to this global L2 norm; 0 disables (command line: --grad-clip) */
    public FloatParam gradClip() {
        return (FloatParam) options.get(Options.GRAD_CLIP);
    }

    public float getGradClip() {
        return (Float) getOrDefault(gradClip());
    }

    public DiLoCo setGradClip(float value) {
        return set(Options.GRAD_CLIP, value);
    }

    /** AdamW beta1 (command line: --inner-beta1) */
    public FloatParam innerBeta1() {
        return (FloatParam) options.get(Options.INNER_BETA1);
    }

    public float getInnerBeta1() {
        return (Float) getOrDefault(innerBeta1());
    }

    public DiLoCo setInnerBeta1(float value) {
        return set(Options.INNER_BETA1, value);
    }

    /** AdamW beta2 (command line: --inner-beta2) */
    public FloatParam innerBeta2() {
        return (FloatParam) options.get(Options.INNER_BETA2);
    }

    public float getInnerBeta2() {
        return (Float) getOrDefault(innerBeta2());
    }

    public DiLoCo setInnerBeta2(float value) {
        return set(Options.INNER_BETA2, value);
    }

    /** AdamW epsilon (command line: --inner-eps) */
    public FloatParam innerEps() {
        return (FloatParam) options.get(Options.INNER_EPS);
    }

    public float getInnerEps() {
        return (Float) getOrDefault(innerEps());
    }

    public DiLoCo setInnerEps(float value) {
        return set(Options.INNER_EPS, value);
    }

    /** nesterov: v=mu*v+D, theta-=lr*(D+mu*v); sgd: heavy-ball momentum theta-=lr*v (momentum 0 and lr 1 = FedAvg); adam: Adam on D (nesterov|sgd|adam) (command line: --outer-optimizer) */
    public Param<String> outerOptimizer() {
        return (Param<String>) options.get(Options.OUTER_OPTIMIZER);
    }

    public String getOuterOptimizer() {
        return (String) getOrDefault(outerOptimizer());
    }

    public DiLoCo setOuterOptimizer(String value) {
        return set(Options.OUTER_OPTIMIZER, value);
    }

    /** outer learning rate (the peak, when scheduled) (command line: --outer-lr) */
    public FloatParam outerLr() {
        return (FloatParam) options.get(Options.OUTER_LR);
    }

    public float getOuterLr() {
        return (Float) getOrDefault(outerLr());
    }

    public DiLoCo setOuterLr(float value) {
        return set(Options.OUTER_LR, value);
    }

    /** outer learning rate over the rounds: constant, warmup:N (linear over the first N rounds), cosine[:MIN] (to MIN x peak at the last round, MIN default 0.1), or warmup:N,cosine[:MIN] (command line: --outer-lr-schedule) */
    public Param<String> outerLrSchedule() {
        return (Param<String>) options.get(Options.OUTER_LR_SCHEDULE);
    }

    public String getOuterLrSchedule() {
        return (String) getOrDefault(outerLrSchedule());
    }

    public DiLoCo setOuterLrSchedule(String value) {
        return set(Options.OUTER_LR_SCHEDULE, value);
    }

    /** outer momentum in [0,1) (Adam's beta1) (command line: --outer-momentum) */
    public FloatParam outerMomentum() {
        return (FloatParam) options.get(Options.OUTER_MOMENTUM);
    }

    public float getOuterMomentum() {
        return (Float) getOrDefault(outerMomentum());
    }

    public DiLoCo setOuterMomentum(float value) {
        return set(Options.OUTER_MOMENTUM, value);
    }

    /** outer Adam beta2 (command line: --outer-beta2) */
    public FloatParam outerBeta2() {
        return (FloatParam) options.get(Options.OUTER_BETA2);
    }

    public float getOuterBeta2() {
        return (Float) getOrDefault(outerBeta2());
    }

    public DiLoCo setOuterBeta2(float value) {
        return set(Options.OUTER_BETA2, value);
    }

    /** outer Adam epsilon (the paper found Adam unstable unless it is about 0.1) (command line: --outer-eps) */
    public FloatParam outerEps() {
        return (FloatParam) options.get(Options.OUTER_EPS);
    }

    public float getOuterEps() {
        return (Float) getOrDefault(outerEps());
    }

    public DiLoCo setOuterEps(float value) {
        return set(Options.OUTER_EPS, value);
    }

    /** treeAggregate depth for summing outer gradients (command line: --aggregation-depth) */
    public IntParam aggregationDepth() {
        return (IntParam) options.get(Options.AGGREGATION_DEPTH);
    }

    public int getAggregationDepth() {
        return (Integer) getOrDefault(aggregationDepth());
    }

    public DiLoCo setAggregationDepth(int value) {
        return set(Options.AGGREGATION_DEPTH, value);
    }

    /** where the tree's last sum of outer gradients is taken: on the driver, which then receives the top partial sums (k of them up to k=6 at depth 2); on an executor, so the driver receives one sum whatever k (one more stage, a shuffle); auto: on an executor when more than one partial sum of at least 64 MiB would reach the driver (auto|driver|executor) (command line: --final-combine) */
    public Param<String> finalCombine() {
        return (Param<String>) options.get(Options.FINAL_COMBINE);
    }

    public String getFinalCombine() {
        return (String) getOrDefault(finalCombine());
    }

    public DiLoCo setFinalCombine(String value) {
        return set(Options.FINAL_COMBINE, value);
    }

    /** validate every N rounds (and always after the last); 0 = only at the end (command line: --eval-every) */
    public IntParam evalEvery() {
        return (IntParam) options.get(Options.EVAL_EVERY);
    }

    public int getEvalEvery() {
        return (Integer) getOrDefault(evalEvery());
    }

    public DiLoCo setEvalEvery(int value) {
        return set(Options.EVAL_EVERY, value);
    }

    /** PyTorch intra-op threads per worker; 0 = the executor's cores (command line: --threads-per-worker) */
    public IntParam threadsPerWorker() {
        return (IntParam) options.get(Options.THREADS_PER_WORKER);
    }

    public int getThreadsPerWorker() {
        return (Integer) getOrDefault(threadsPerWorker());
    }

    public DiLoCo setThreadsPerWorker(int value) {
        return set(Options.THREADS_PER_WORKER, value);
    }

    /** where workers compute; auto = the task's Spark GPU, else GPU 0, else CPU (command line: --device) */
    public Param<String> device() {
        return (Param<String>) options.get(Options.DEVICE);
    }

    public String getDevice() {
        return (String) getOrDefault(device());
    }

    public DiLoCo setDevice(String value) {
        return set(Options.DEVICE, value);
    }

    /** seed for initialisation, shard assignment and batches (command line: --seed) */
    public LongParam seed() {
        return (LongParam) options.get(Options.SEED);
    }

    public long getSeed() {
        return (Long) getOrDefault(seed());
    }

    public DiLoCo setSeed(long value) {
        return set(Options.SEED, value);
    }

    /** replace the run files of an earlier run in out (unless resuming, also its checkpoints) (command line: --overwrite) */
    public BooleanParam overwrite() {
        return (BooleanParam) options.get(Options.OVERWRITE);
    }

    public boolean getOverwrite() {
        return (Boolean) getOrDefault(overwrite());
    }

    public DiLoCo setOverwrite(boolean value) {
        return set(Options.OVERWRITE, value);
    }

    /** write a checkpoint every N rounds (and after the last); 0 = only after the last (command line: --checkpoint-every) */
    public IntParam checkpointEvery() {
        return (IntParam) options.get(Options.CHECKPOINT_EVERY);
    }

    public int getCheckpointEvery() {
        return (Integer) getOrDefault(checkpointEvery());
    }

    public DiLoCo setCheckpointEvery(int value) {
        return set(Options.CHECKPOINT_EVERY, value);
    }

    /** keep the newest N complete checkpoints (command line: --keep-checkpoints) */
    public IntParam keepCheckpoints() {
        return (IntParam) options.get(Options.KEEP_CHECKPOINTS);
    }

    public int getKeepCheckpoints() {
        return (Integer) getOrDefault(keepCheckpoints());
    }

    public DiLoCo setKeepCheckpoints(int value) {
        return set(Options.KEEP_CHECKPOINTS, value);
    }

    /** continue from the newest complete checkpoint in out; fail if there is none or it is corrupt (command line: --resume) */
    public BooleanParam resume() {
        return (BooleanParam) options.get(Options.RESUME);
    }

    public boolean getResume() {
        return (Boolean) getOrDefault(resume());
    }

    public DiLoCo setResume(boolean value) {
        return set(Options.RESUME, value);
    }

    /** continue from the newest complete checkpoint that verifies (a corrupt newer one is skipped with a warning and left on disk), else start afresh (for schedulers that retry the same command) (command line: --resume-if-present) */
    public BooleanParam resumeIfPresent() {
        return (BooleanParam) options.get(Options.RESUME_IF_PRESENT);
    }

    public boolean getResumeIfPresent() {
        return (Boolean) getOrDefault(resumeIfPresent());
    }

    public DiLoCo setResumeIfPresent(boolean value) {
        return set(Options.RESUME_IF_PRESENT, value);
    }

    /** when workers save their AdamW state: with checkpoints, or also after every round (a lost executor then costs nothing; measured in docs/faults.md) (at-checkpoint|every-round) (command line: --inner-state-sync) */
    public Param<String> innerStateSync() {
        return (Param<String>) options.get(Options.INNER_STATE_SYNC);
    }

    public String getInnerStateSync() {
        return (String) getOrDefault(innerStateSync());
    }

    public DiLoCo setInnerStateSync(String value) {
        return set(Options.INNER_STATE_SYNC, value);
    }

    /** when a worker's task fails taskMaxFailures times, or a round exceeds roundTimeout: fail the job (after retrying the round), or go on without it (fail|drop) (command line: --on-worker-failure) */
    public Param<String> onWorkerFailure() {
        return (Param<String>) options.get(Options.ON_WORKER_FAILURE);
    }

    public String getOnWorkerFailure() {
        return (String) getOrDefault(onWorkerFailure());
    }

    public DiLoCo setOnWorkerFailure(String value) {
        return set(Options.ON_WORKER_FAILURE, value);
    }

    /** attempts of a worker's task (Spark retries it on another executor), and of a timed-out round (command line: --task-max-failures) */
    public IntParam taskMaxFailures() {
        return (IntParam) options.get(Options.TASK_MAX_FAILURES);
    }

    public int getTaskMaxFailures() {
        return (Integer) getOrDefault(taskMaxFailures());
    }

    public DiLoCo setTaskMaxFailures(int value) {
        return set(Options.TASK_MAX_FAILURES, value);
    }

    /** exclude a worker's outer gradient whose L2 norm exceeds X (non-finite ones always are); 0 = no limit (command line: --max-outer-grad-norm) */
    public DoubleParam maxOuterGradNorm() {
        return (DoubleParam) options.get(Options.MAX_OUTER_GRAD_NORM);
    }

    public double getMaxOuterGradNorm() {
        return (Double) getOrDefault(maxOuterGradNorm());
    }

    public DiLoCo setMaxOuterGradNorm(double value) {
        return set(Options.MAX_OUTER_GRAD_NORM, value);
    }

    /** fail after N consecutive rounds in which every outer gradient was excluded (command line: --max-bad-rounds) */
    public IntParam maxBadRounds() {
        return (IntParam) options.get(Options.MAX_BAD_ROUNDS);
    }

    public int getMaxBadRounds() {
        return (Integer) getOrDefault(maxBadRounds());
    }

    public DiLoCo setMaxBadRounds(int value) {
        return set(Options.MAX_BAD_ROUNDS, value);
    }

    /** cancel a round that runs longer (a stuck worker); 0 = no limit (command line: --round-timeout) */
    public DoubleParam roundTimeout() {
        return (DoubleParam) options.get(Options.ROUND_TIMEOUT);
    }

    public double getRoundTimeout() {
        return (Double) getOrDefault(roundTimeout());
    }

    public DiLoCo setRoundTimeout(double value) {
        return set(Options.ROUND_TIMEOUT, value);
    }

    /** allow a file:// out on a cluster: every executor sees the same path (NFS, or a one-machine cluster) (command line: --shared-local-fs) */
    public BooleanParam sharedLocalFs() {
        return (BooleanParam) options.get(Options.SHARED_LOCAL_FS);
    }

    public boolean getSharedLocalFs() {
        return (Boolean) getOrDefault(sharedLocalFs());
    }

    public DiLoCo setSharedLocalFs(boolean value) {
        return set(Options.SHARED_LOCAL_FS, value);
    }
    // END GENERATED PARAMS
}
