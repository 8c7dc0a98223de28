package diloco.ml;

import static diloco.config.Options.DATA;
import static diloco.config.Options.OUT;

import diloco.Log;
import diloco.StopSignal;
import diloco.config.Options;
import diloco.config.OptionsFile;
import diloco.config.TrainConfig;
import diloco.data.DataFormat;
import diloco.data.DataSettings;
import diloco.data.DocumentSource;
import diloco.data.PreparedDataset;
import diloco.option.Option;
import diloco.option.UserError;
import diloco.run.DiLoCoTrainer;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.ml.Estimator;
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
 * all read from {@link Options} (their typed methods are generated into {@link DiLoCoParams}); the
 * options a DataFrame or the session replaces ({@code --data}, {@code --format},
 * {@code --text-column}, {@code --id-column}, {@code --out}, {@code --shutdown-grace}) are
 * {@link #textCol()}, {@link #idCol()} and {@link #outputDir()}, declared here.
 *
 * <pre>
 *   DiLoCoModel model = new DiLoCo().setWorkers(4).setInnerSteps(50).setRounds(6).fit(documents);
 *   model.transform(documents).select("perplexity").show();
 * </pre>
 *
 * Progress, one line per round, goes to the caller's standard output as {@code fit} finds it (a
 * Zeppelin paragraph's output: Zeppelin points System.out there while a paragraph runs; spark-shell's
 * console) and to the driver's log (logger {@code diloco.ml.DiLoCo}).
 */
public final class DiLoCo extends DiLoCoParams implements DefaultParamsWritable {
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

    /**
     * Sets the Params a properties file names, as {@code --config FILE} sets options (see
     * {@link OptionsFile}: {@code inner-steps 500}, any Hadoop path); setters called afterwards win.
     * A name that is no Param (the data and output options: the DataFrame and {@link #outputDir()}
     * replace them) is bad input.
     */
    public DiLoCo setConfig(String file) {
        Configuration conf = SparkSession.getActiveSession().isDefined()
                ? SparkSession.getActiveSession().get().sparkContext().hadoopConfiguration() : new Configuration();
        java.util.Set<Option<?>> params = new java.util.HashSet<>(Options.params());
        OptionsFile.read(conf, file).forEach((o, text) -> {
            UserError.check(params.contains(o), "%s in --config %s is not a Param of DiLoCo (the DataFrame, outputDir "
                    + "and the session give it)", o.flag().substring(2), file);
            set(o, o.parse(text));
        });
        return this;
    }

    /** Trains on the documents of {@code dataset}; see the class comment. */
    @Override
    public DiLoCoModel fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        String id = isSet(idCol) ? getOrDefault(idCol) : null;
        return fit(dataset.sparkSession(), DocumentSource.rows(dataset.toDF(), getTextCol(), id),
                "the DataFrame (" + getTextCol() + ")");
    }

    /**
     * Trains on a prepared dataset ({@code ./submit.sh prepare}: tokenized once, streamed by the
     * workers, never held in memory) at {@code path}, any Hadoop path; with the same Params as
     * {@link #fit}. The tokenizer is the dataset's.
     */
    public DiLoCoModel fitPrepared(SparkSession spark, String path) {
        UserError.check(PreparedDataset.isAt(spark.sparkContext().hadoopConfiguration(), path),
                "%s is not a prepared dataset (no %s): prepare it with ./submit.sh prepare", path, PreparedDataset.MANIFEST);
        return fit(spark, DocumentSource.of(new DataSettings.Source(path, DataFormat.AUTO, null, null)), path);
    }

    /** The caller's output, as it is now (a notebook paragraph's while it runs), and the driver's log. */
    static Log progress(Logger logger) {
        return Log.to(System.out).and(Log.to(logger));
    }

    private DiLoCoModel fit(SparkSession spark, DocumentSource documents, String data) {
        TrainConfig cfg = config(spark, data);
        DiLoCoTrainer.Result r;
        try {
            r = new DiLoCoTrainer(spark, cfg, documents, progress(LOG), StopSignal.none()).run();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DiLoCoModel model = new DiLoCoModel(uid, r.model(), r.theta(), r.metrics(), r.initialValLoss(),
                cfg.withVocabulary(r.model().vocabSize()).toRecord(), r.tokenizer()).setParent(this);
        return copyValues(model, extractParamMap());
    }

    /**
     * The run's configuration: the Params set, the output directory, checked as the command line
     * checks its options.
     */
    TrainConfig config(SparkSession spark) {
        return config(spark, "the DataFrame (" + getTextCol() + ")");
    }

    private TrainConfig config(SparkSession spark, String data) {
        TrainConfig.Builder b = options.configure(this, Options.params());
        String out = isSet(outputDir) ? getOrDefault(outputDir) : null;
        boolean resuming = getResume() || getResumeIfPresent();
        if (out == null) {
            UserError.check(!resuming, "resume and resumeIfPresent need outputDir: the directory of the run to continue");
            UserError.check(spark.sparkContext().isLocal(), "outputDir is required on a cluster master (%s): set it to a "
                    + "path every executor and the driver can reach, such as hdfs:///runs/NAME", spark.sparkContext().master());
            out = temporaryOutput(spark);
        }
        return b.set(OUT, out).set(DATA, data).build();
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

    /** The Param of an option, for the generated methods of {@link DiLoCoParams}. */
    @Override
    Param<?> param(Option<?> option) {
        return options.get(option);
    }

    /** Sets an option's Param; a bad value fails here, naming the Param. */
    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    DiLoCo set(Option<?> option, Object value) {
        set((Param) options.get(option), OptionParams.toParam(option, value));
        return this;
    }
}
