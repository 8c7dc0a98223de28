package diloco.cli;

import static diloco.config.ModelOptions.EVAL_DATA;
import static diloco.config.ModelOptions.EVAL_OUT;
import static diloco.config.ModelOptions.MODEL;
import static diloco.config.Options.BATCH_SIZE;
import static diloco.config.Options.DATA;
import static diloco.config.Options.DEVICE;
import static diloco.config.Options.MATMUL_KERNELS;
import static diloco.config.Options.FORMAT;
import static diloco.config.Options.ID_COLUMN;
import static diloco.config.Options.TEXT_COLUMN;
import static diloco.config.Options.THREADS_PER_WORKER;

import diloco.Log;
import diloco.config.ModelOptions;
import diloco.config.TrainConfig;
import diloco.data.Corpus;
import diloco.data.Document;
import diloco.engine.ComputeSettings;
import diloco.engine.Inference;
import diloco.io.HadoopFiles;
import diloco.io.Json;
import diloco.model.ModelConfig;
import diloco.option.UserError;
import diloco.run.RunOutput;
import diloco.run.SavedModel;
import diloco.spark.Sessions;
import diloco.spark.TaskResources;
import diloco.tokenize.Tokenizer;

import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code diloco.cli.Evaluate --model DIR --data PATH}: the model's perplexity per byte over a
 * corpus, every document scored on the executors (windows of the context tiling it), printed and,
 * with {@code --out}, written to {@code evaluation.json}.
 */
public final class Evaluate {
    public static final String RESULT = "evaluation.json";
    private static final int DOCUMENTS_PER_CHUNK = 256;

    private Evaluate() {}

    static String help() {
        return CommandLine.help("Usage: diloco.cli.Evaluate --model DIR --data PATH [options]\n\n"
                + "Scores every document of --data with a trained model on the executors and prints its\n"
                + "perplexity per byte (and bits per byte); --out writes them to evaluation.json.\n",
                ModelOptions.evaluate());
    }

    public static void main(String[] args) {
        Command.exit(run(args, System.out, System.err, true));
    }

    public static int run(String[] args, PrintStream out, PrintStream err, boolean stopSpark) {
        return Command.run(args, help(), out, err, stopSpark, sessions -> {
            long started = System.nanoTime();
            CommandLine.Values v = CommandLine.parse(ModelOptions.evaluate(), args);
            String modelDir = v.required(MODEL);
            TrainConfig reading = TrainConfig.builder().set(DATA, v.required(EVAL_DATA)).set(FORMAT, v.get(FORMAT))
                    .set(TEXT_COLUMN, v.get(TEXT_COLUMN)).set(ID_COLUMN, v.get(ID_COLUMN)).build();
            SparkSession spark = sessions.remember(Sessions.forJob("diloco-evaluate", reading.faults()));
            HadoopFiles files = new HadoopFiles(spark.sparkContext().hadoopConfiguration());
            String outDir = v.get(EVAL_OUT);
            if (outDir != null) { // refuse a bad --out before the work, not after
                RunOutput.check(spark.sparkContext().hadoopConfiguration(), outDir, true);
            }
            SavedModel model = SavedModel.load(spark.sparkContext().hadoopConfiguration(), modelDir).model();
            double[] total = score(spark, Corpus.load(spark, reading.data().source()), model,
                    new ComputeSettings(v.get(THREADS_PER_WORKER), v.get(DEVICE), v.get(MATMUL_KERNELS)));
            UserError.check(total[1] > 0, "nothing to score in --data %s: every document is shorter than two bytes",
                    v.get(EVAL_DATA));
            double nll = total[0] / total[1];
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("model", modelDir);
            result.put("data", v.get(EVAL_DATA));
            result.put("documents", (long) total[2]);
            result.put("bytes_predicted", (long) total[1]);
            result.put("nll_per_byte", nll);
            result.put("perplexity_per_byte", Math.exp(nll));
            result.put("bits_per_byte", nll / Math.log(2));
            result.put("model_config", model.config().toMap());
            result.put("sec_total", (System.nanoTime() - started) / 1e9);
            Log.standard(out).say("evaluate: perplexity per byte %.4f (%.4f bits per byte) over %,d documents, %,d bytes predicted",
                    Math.exp(nll), nll / Math.log(2), (long) total[2], (long) total[1]);
            if (outDir != null) {
                files.writeString(new Path(outDir, RESULT), Json.pretty(result));
                Log.standard(out).say("wrote %s", new Path(outDir, RESULT));
            }
            return 0;
        });
    }

    /** {Σ nll, bytes predicted, documents} of every document, summed over the executors. */
    static double[] score(SparkSession spark, JavaRDD<Document> documents, SavedModel model, ComputeSettings compute) {
        Broadcast<float[]> theta = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(model.theta());
        ModelConfig cfg = model.config();
        Tokenizer tokenizer = model.tokenizer();
        Object trained = model.trainingConfig().get(BATCH_SIZE.recordKey());
        int batch = trained instanceof Number n ? n.intValue() : BATCH_SIZE.defaultValue();
        try {
            return documents.mapPartitions(docs -> {
                List<double[]> scores = Inference.chunked(docs, DOCUMENTS_PER_CHUNK, cfg, theta.value(),
                        TaskResources.resolve(compute), TaskResources.gpu(), batch,
                        (inference, doc) -> SavedModel.score(inference, tokenizer, doc.tokens().bytes()));
                double[] sum = new double[3];
                for (double[] s : scores) {
                    sum[0] += s[0];
                    sum[1] += s[1];
                    sum[2] += 1;
                }
                return List.of(sum).iterator();
            }).reduce((a, b) -> new double[] {a[0] + b[0], a[1] + b[1], a[2] + b[2]});
        } finally {
            theta.destroy();
        }
    }
}
