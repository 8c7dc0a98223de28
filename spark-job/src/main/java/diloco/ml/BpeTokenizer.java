package diloco.ml;

import diloco.config.DataOptions;
import diloco.config.Options;
import diloco.data.BpeTraining;
import diloco.data.Corpus;

import org.apache.spark.sql.Dataset;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Learns a byte-level BPE tokenizer from a DataFrame's documents, as {@code ./submit.sh tokenizer}
 * does from files: a Spark job counting GPT-2's pre-tokenized pieces, the merges on the driver.
 * The directory it writes is what {@link DiLoCo#setTokenizer} takes.
 *
 * <pre>
 *   String tok = BpeTokenizer.train(documents, "text", 4096, "hdfs:///tokenizers/sotu-4k");
 *   DiLoCoModel model = new DiLoCo().setTokenizer(tok).fit(documents);
 * </pre>
 */
public final class BpeTokenizer {
    private static final Logger LOG = LoggerFactory.getLogger(BpeTokenizer.class);

    private BpeTokenizer() {}

    /** {@link #train(Dataset, String, int, String, double)} leaving out the default validation split (0.05). */
    public static String train(Dataset<?> documents, String textCol, int vocabSize, String dir) {
        return train(documents, textCol, vocabSize, dir, Options.VAL_FRACTION.defaultValue());
    }

    /**
     * Learns {@code vocabSize} ids (the 256 bytes and up to vocabSize - 256 merges) from the rows of
     * {@code textCol} (documents by a hash of their text, as {@link DiLoCo#fit} splits them),
     * leaving out the validation split of {@code valFraction}; writes {@code dir/tokenizer.json}
     * (any Hadoop path; it must not hold one) and returns {@code dir}. Progress goes where
     * {@link DiLoCo#fit}'s does.
     */
    public static String train(Dataset<?> documents, String textCol, int vocabSize, String dir, double valFraction) {
        DataOptions.VOCAB_SIZE.check("vocabSize", vocabSize);
        Options.VAL_FRACTION.check("valFraction", valFraction);
        try {
            BpeTraining.write(Corpus.fromRows(documents.toDF(), textCol, null, "textCol", "idCol", "the DataFrame"),
                    valFraction, vocabSize, dir, DataOptions.PROGRESS_EVERY.defaultValue(),
                    documents.sparkSession().sparkContext().hadoopConfiguration(), DiLoCo.progress(LOG)::line);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }
}
