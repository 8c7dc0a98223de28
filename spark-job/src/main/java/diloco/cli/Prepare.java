package diloco.cli;

import static diloco.config.DataOptions.PIECES;
import static diloco.config.DataOptions.PREPARE_OUT;
import static diloco.config.DataOptions.SKIP_EXISTING;
import static diloco.config.Options.DATA;
import static diloco.config.Options.FORMAT;
import static diloco.config.Options.ID_COLUMN;
import static diloco.config.Options.SHARD_BY;
import static diloco.config.Options.TEXT_COLUMN;
import static diloco.config.Options.TOKENIZER;
import static diloco.config.Options.VAL_FRACTION;

import diloco.Log;
import diloco.config.DataOptions;
import diloco.config.TrainConfig;
import diloco.data.Corpus;
import diloco.data.PreparedDataset;
import diloco.spark.Sessions;
import diloco.tokenize.Tokenizer;
import diloco.tokenize.Tokenizers;

import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;

/**
 * {@code diloco.cli.Prepare --data PATH --tokenizer T --out DS}: tokenizes a corpus once, as a Spark
 * job, into a {@link PreparedDataset} that {@code --data DS} trains from without holding a shard in
 * memory.
 */
public final class Prepare {
    private Prepare() {}

    static String help() {
        return CommandLine.help("Usage: diloco.cli.Prepare --data PATH --tokenizer T --out DIR [options]\n\n"
                + "Tokenizes the documents of --data once into a dataset directory (token pieces, the validation\n"
                + "split, document boundaries, a verified manifest); train from it with --data DIR.\n",
                DataOptions.prepare());
    }

    public static void main(String[] args) {
        Command.exit(run(args, System.out, System.err, true));
    }

    public static int run(String[] args, PrintStream out, PrintStream err, boolean stopSpark) {
        return Command.run(args, help(), out, err, stopSpark, sessions -> {
            long started = System.nanoTime();
            CommandLine.Values v = CommandLine.parse(DataOptions.prepare(), args);
            TrainConfig reading = TrainConfig.builder().set(DATA, v.required(DATA)).set(FORMAT, v.get(FORMAT))
                    .set(TEXT_COLUMN, v.get(TEXT_COLUMN)).set(ID_COLUMN, v.get(ID_COLUMN))
                    .set(VAL_FRACTION, v.get(VAL_FRACTION)).set(SHARD_BY, v.get(SHARD_BY)).build();
            String outDir = v.required(PREPARE_OUT);
            SparkSession spark = sessions.remember(Sessions.forJob("diloco-prepare", reading.faults()));
            Tokenizer tokenizer = Tokenizers.load(spark.sparkContext().hadoopConfiguration(), v.get(TOKENIZER));
            if (v.get(SKIP_EXISTING) && PreparedDataset.alreadyPrepared(spark.sparkContext().hadoopConfiguration(),
                    outDir, v.get(DATA), tokenizer, reading.get(VAL_FRACTION), reading.get(SHARD_BY), v.get(PIECES))) {
                Log.standard(out).say("%s already holds this dataset: nothing to do (--skip-existing)", outDir);
                return 0;
            }
            PreparedDataset.Manifest m = PreparedDataset.write(Corpus.load(spark, reading.data().source()),
                    v.get(DATA), tokenizer, reading.get(VAL_FRACTION), reading.get(SHARD_BY), v.get(PIECES), outDir,
                    spark.sparkContext().hadoopConfiguration());
            Log.standard(out).say("prepared %s: %,d documents, %,d tokens (%.3f per byte) in %d pieces + validation "
                            + "(%,d documents), uint%d, tokenizer %s, in %.1f s", outDir, m.documents(), m.tokens(),
                    (double) m.tokens() / Math.max(1, m.bytes()), m.pieces().size(), m.validation().documents(),
                    8 * m.bytesPerToken(), tokenizer.name(), (System.nanoTime() - started) / 1e9);
            return 0;
        });
    }
}
