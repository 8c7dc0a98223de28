package diloco.ml;

import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.DEVICE;
import static diloco.config.Options.MATMUL_KERNELS;
import static diloco.config.Options.THREADS_PER_WORKER;

import diloco.RoundMetrics;
import diloco.data.Corpus;
import diloco.engine.ComputeSettings;
import diloco.engine.Inference;
import diloco.io.HuggingFaceGpt2;
import diloco.model.ModelConfig;
import diloco.option.Option;
import diloco.option.UserError;
import diloco.run.SavedModel;
import diloco.tokenize.Tokenizer;
import diloco.spark.TaskResources;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A GPT trained by {@link DiLoCo}: {@link #transform} adds each document's perplexity per byte,
 * {@link #generate} samples text, {@link #summary()} is the training history as a DataFrame, and
 * {@link #write()} / {@link #load} save and restore it (Params, {@code model.safetensors}, the
 * history) on any Hadoop path. Scoring runs on the executors; generation on the driver.
 */
public final class DiLoCoModel extends Model<DiLoCoModel> implements MLWritable {
    private static final long serialVersionUID = 1L;
    /** Rows scored per load of θ on an executor's compute thread. */
    private static final int ROWS_PER_CHUNK = 256;
    private static final List<Option<?>> EXECUTION = List.of(THREADS_PER_WORKER, DEVICE, MATMUL_KERNELS);

    private final String uid;
    private final SavedModel weights;
    private final List<RoundMetrics> history;
    private final OptionParams options;
    private final Param<String> textCol;
    private final Param<String> outputCol;
    private final IntParam scoreBatchSize;

    DiLoCoModel(String uid, ModelConfig config, float[] theta, List<RoundMetrics> history, Double initialValLoss,
            Map<String, Object> trainingConfig, Tokenizer tokenizer) {
        this(uid, new SavedModel(config, theta, trainingConfig, initialValLoss, tokenizer), history);
    }

    private DiLoCoModel(String uid, SavedModel weights, List<RoundMetrics> history) {
        this.uid = uid;
        this.weights = weights;
        this.history = List.copyOf(history);
        this.options = new OptionParams(this, EXECUTION);
        this.textCol = new Param<>(this, "textCol", "column of document text: a string (UTF-8 encoded) or binary");
        this.outputCol = new Param<>(this, "outputCol", "column for each document's perplexity per byte (null for a "
                + "document shorter than two bytes)");
        this.scoreBatchSize = new IntParam(this, "scoreBatchSize", "context windows scored together in one forward pass",
                new Positive());
        options.setDefaults(this, EXECUTION);
        setDefault(textCol, "text");
        setDefault(outputCol, "perplexity");
        Object trainedBatch = weights.trainingConfig().get(BATCH_SIZE.recordKey());
        setDefault(scoreBatchSize, trainedBatch instanceof Number n ? n.intValue() : BATCH_SIZE.defaultValue());
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> textCol() {
        return textCol;
    }

    public DiLoCoModel setTextCol(String value) {
        set(textCol, value);
        return this;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public DiLoCoModel setOutputCol(String value) {
        set(outputCol, value);
        return this;
    }

    public IntParam scoreBatchSize() {
        return scoreBatchSize;
    }

    public DiLoCoModel setScoreBatchSize(int value) {
        set(scoreBatchSize, value);
        return this;
    }

    /** PyTorch intra-op threads on each executor (0 = its cores), as in training. */
    public IntParam threadsPerWorker() {
        return (IntParam) options.get(THREADS_PER_WORKER);
    }

    public DiLoCoModel setThreadsPerWorker(int value) {
        set(threadsPerWorker(), value);
        return this;
    }

    /** Where scoring and generation compute: auto, cpu, gpu or gpu:N, as in training. */
    @SuppressWarnings("unchecked")
    public Param<String> device() {
        return (Param<String>) options.get(DEVICE);
    }

    public DiLoCoModel setDevice(String value) {
        set(device(), value);
        return this;
    }

    /** Kernels of the CPU's fp32 matrix products in scoring and generation: auto, onednn or onemkl, as in training. */
    @SuppressWarnings("unchecked")
    public Param<String> matmulKernels() {
        return (Param<String>) options.get(MATMUL_KERNELS);
    }

    public DiLoCoModel setMatmulKernels(String value) {
        set(matmulKernels(), value);
        return this;
    }

    /** The model's shape. */
    public ModelConfig config() {
        return weights.config();
    }

    /** The validation loss of the initial model, before round 1 (null when the run did not validate). */
    public Double initialValLoss() {
        return weights.initialValLoss();
    }

    /** θ, flat in the model's parameter layout; a copy. */
    public float[] parameters() {
        return weights.theta().clone();
    }

    /**
     * Adds {@link #outputCol()}: each document's perplexity per byte, exp(mean next-byte negative
     * log-likelihood) over windows of the model's context that tile the document; null for a
     * document shorter than two bytes (nothing to predict) or a null text. Computed on the executors.
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        SparkSession spark = dataset.sparkSession();
        int textIndex = dataset.schema().fieldIndex(getOrDefault(textCol));
        boolean binary = dataset.schema().fields()[textIndex].dataType().equals(DataTypes.BinaryType);
        Broadcast<float[]> theta = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(weights.theta());
        ModelConfig cfg = weights.config();
        Tokenizer tokenizer = weights.tokenizer();
        ComputeSettings compute = compute();
        int batch = (Integer) getOrDefault(scoreBatchSize);
        JavaRDD<Row> scored = dataset.toDF().javaRDD().mapPartitions(rows -> Inference.chunked(rows, ROWS_PER_CHUNK, cfg,
                theta.value(), TaskResources.resolve(compute), TaskResources.gpu(), batch,
                (inference, row) -> append(row, perplexity(inference, tokenizer, row, textIndex, binary))).iterator());
        return spark.createDataFrame(scored, out);
    }

    /** Where and with how many threads this model scores and generates (its threadsPerWorker and device Params). */
    private ComputeSettings compute() {
        return new ComputeSettings((Integer) getOrDefault(threadsPerWorker()), getOrDefault(device()),
                MATMUL_KERNELS.parse(getOrDefault(matmulKernels())));
    }

    private static Double perplexity(Inference inference, Tokenizer tokenizer, Row row, int textIndex, boolean binary) {
        if (row.isNullAt(textIndex)) {
            return null;
        }
        double[] nll = SavedModel.score(inference, tokenizer, Corpus.bytes(row, textIndex, binary));
        return nll[1] == 0 ? null : Math.exp(nll[0] / nll[1]);
    }

    private static Row append(Row row, Object value) {
        Object[] values = new Object[row.length() + 1];
        for (int i = 0; i < row.length(); i++) {
            values[i] = row.get(i);
        }
        values[row.length()] = value;
        return RowFactory.create(values);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        requireText(schema, getOrDefault(textCol), "textCol");
        String col = getOrDefault(outputCol);
        UserError.check(!Arrays.asList(schema.fieldNames()).contains(col),
                "outputCol '%s' already exists in the DataFrame: set another with setOutputCol", col);
        return schema.add(col, DataTypes.DoubleType, true);
    }

    /** A string or binary column {@code column} must exist; {@code param} names it in the error. */
    static void requireText(StructType schema, String column, String param) {
        UserError.check(Arrays.asList(schema.fieldNames()).contains(column),
                "%s '%s' not found in the DataFrame; its columns are: %s", param, column,
                String.join(", ", schema.fieldNames()));
        DataType type = schema.apply(column).dataType();
        UserError.check(type.equals(DataTypes.StringType) || type.equals(DataTypes.BinaryType),
                "%s '%s' has type %s, expected string or binary", param, column, type.simpleString());
    }

    /** {@link #generate(String, int, double, int, long)} at temperature 1, no top-k, seed 0. */
    public String generate(String prompt, int maxBytes) {
        return generate(prompt, maxBytes, 1.0, 0, 0L);
    }

    /**
     * Text sampled after {@code prompt}: up to {@code maxBytes} bytes, each drawn from the model's
     * next-byte distribution at {@code temperature} (0 = always the most likely byte) among the
     * {@code topK} most likely (0 = all), decoded as UTF-8 (invalid sequences become U+FFFD).
     * Returns the continuation only; the same seed gives the same text. Runs on the driver.
     */
    public String generate(String prompt, int maxBytes, double temperature, int topK, long seed) {
        UserError.check(maxBytes >= 0, "maxBytes must be >= 0, got %d", maxBytes);
        UserError.check(temperature >= 0 && Double.isFinite(temperature), "temperature must be >= 0, got %s", temperature);
        UserError.check(topK >= 0, "topK must be >= 0 (0 = all), got %d", topK);
        try {
            byte[] out = weights.generate(TaskResources.resolve(compute()), prompt.getBytes(StandardCharsets.UTF_8),
                    maxBytes, temperature, topK, seed);
            return new String(out, StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Writes this model as a Hugging Face GPT-2 directory at {@code path} (any Hadoop path, missing
     * or empty): config.json, model.safetensors in GPT-2's layout and tokenizer.json, which
     * {@code transformers}' {@code GPT2LMHeadModel.from_pretrained} loads (see {@link HuggingFaceGpt2}).
     */
    public void exportHuggingFace(String path) {
        try {
            HuggingFaceGpt2.write(SparkSession.active().sparkContext().hadoopConfiguration(), new Path(path),
                    weights.config(), weights.theta(), weights.tokenizer().json());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The training history: one row per round, the columns of the run's metrics.jsonl
     * ({@code round}, {@code inner_loss}, {@code val_loss}, ...), ready for {@code z.show} or a chart.
     */
    public Dataset<Row> summary() {
        return Frames.of(SparkSession.active(), RoundMetrics.class, history);
    }

    @Override
    public DiLoCoModel copy(ParamMap extra) {
        return copyValues(new DiLoCoModel(uid, weights, history), extra).setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    public static MLReader<DiLoCoModel> read() {
        return new Reader();
    }

    public static DiLoCoModel load(String path) {
        return read().load(path);
    }

    /** Params metadata (Spark's format), then {@code data/}: model.safetensors and history.jsonl. */
    private static final class Writer extends MLWriter {
        private final DiLoCoModel model;

        Writer(DiLoCoModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter$.MODULE$.saveMetadata(model, path, sc(), scala.Option.empty(), scala.Option.empty());
            try {
                model.weights.save(sc().hadoopConfiguration(), new Path(path, "data"), model.history);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static final class Reader extends MLReader<DiLoCoModel> {
        @Override
        public DiLoCoModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sc(), DiLoCoModel.class.getName());
            SavedModel.WithHistory saved = SavedModel.load(sc().hadoopConfiguration(), path);
            DiLoCoModel model = new DiLoCoModel(metadata.uid(), saved.model(), saved.history());
            metadata.getAndSetParams(model, scala.Option.empty());
            return model;
        }
    }

    /** Spark's {@code x > 0} as a serializable Param validator. */
    private static final class Positive extends scala.runtime.AbstractFunction1<Object, Object>
            implements java.io.Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public Object apply(Object v) {
            return ((Number) v).intValue() > 0;
        }
    }
}
