package diloco.cli;

import static diloco.config.DataOptions.PROGRESS_EVERY;
import static diloco.config.DataOptions.TOKENIZER_OUT;
import static diloco.config.DataOptions.VOCAB_SIZE;
import static diloco.config.Options.DATA;
import static diloco.config.Options.FORMAT;
import static diloco.config.Options.ID_COLUMN;
import static diloco.config.Options.TEXT_COLUMN;
import static diloco.config.Options.VAL_FRACTION;

import diloco.Log;
import diloco.config.DataOptions;
import diloco.config.TrainConfig;
import diloco.data.BpeTraining;
import diloco.data.Corpus;
import diloco.spark.Sessions;

import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;

/**
 * {@code diloco.cli.TrainTokenizer --data PATH --vocab-size V --out DIR}: learns a byte-level BPE
 * tokenizer as a Spark job (GPT-2's pre-tokenizer and piece counts on the executors, the merges on
 * the driver from the counted pieces) and writes {@code DIR/tokenizer.json}, which
 * {@code --tokenizer DIR} then trains with. The validation documents of {@code --val-fraction}
 * (the training job's split, by id) are left out, so validation never scores text the tokenizer
 * was fitted on.
 */
public final class TrainTokenizer {
    private TrainTokenizer() {}

    static String help() {
        return CommandLine.help("Usage: diloco.cli.TrainTokenizer --data PATH --vocab-size V --out DIR [options]\n\n"
                + "Learns a byte-level BPE tokenizer (GPT-2's pre-tokenizer, V - 256 merges) from the documents of\n"
                + "--data as a Spark job and writes DIR/tokenizer.json for --tokenizer DIR.\n", DataOptions.tokenizer());
    }

    public static void main(String[] args) {
        Command.exit(run(args, System.out, System.err, true));
    }

    public static int run(String[] args, PrintStream out, PrintStream err, boolean stopSpark) {
        return Command.run(args, help(), out, err, stopSpark, sessions -> {
            CommandLine.Values v = CommandLine.parse(DataOptions.tokenizer(), args);
            Log log = Log.standard(out);
            TrainConfig reading = TrainConfig.builder().set(DATA, v.required(DATA)).set(FORMAT, v.get(FORMAT))
                    .set(TEXT_COLUMN, v.get(TEXT_COLUMN)).set(ID_COLUMN, v.get(ID_COLUMN))
                    .set(VAL_FRACTION, v.get(VAL_FRACTION)).build();
            SparkSession spark = sessions.remember(Sessions.forJob("diloco-tokenizer", reading.faults()));
            BpeTraining.write(Corpus.load(spark, reading.data().source()), reading.get(VAL_FRACTION), v.get(VOCAB_SIZE),
                    v.required(TOKENIZER_OUT), v.get(PROGRESS_EVERY), spark.sparkContext().hadoopConfiguration(),
                    line -> log.say("%s", line));
            return 0;
        });
    }
}
