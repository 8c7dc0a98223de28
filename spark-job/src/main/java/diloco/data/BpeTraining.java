package diloco.data;

import diloco.io.HadoopFiles;
import diloco.option.UserError;
import diloco.tokenize.BpeTrainer;
import diloco.tokenize.JsonTokenizer;
import diloco.tokenize.TokenizerJson;
import diloco.tokenize.Tokenizers;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;

import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Learning a byte-level BPE tokenizer from documents, for the {@code tokenizer} command and the ML
 * API alike: pieces counted on the executors ({@link PieceCounts}), merges on the driver
 * ({@link BpeTrainer}), the file checked by the Rust library that will read it, then written.
 */
public final class BpeTraining {
    private BpeTraining() {}

    /**
     * Learns a tokenizer of {@code vocabSize} ids (fewer when the text runs out of pairs) from the
     * training documents of {@code documents} (those outside the {@code valFraction} split) and
     * writes {@code dir/tokenizer.json}, which must not exist yet. {@code say} receives progress
     * lines, one per {@code every} merges. Returns the file written.
     */
    public static Path write(JavaRDD<Document> documents, double valFraction, int vocabSize, String dir, int every,
            Configuration conf, Consumer<String> say) throws IOException {
        long started = System.nanoTime();
        HadoopFiles files = new HadoopFiles(conf);
        Path target = new Path(dir, Tokenizers.FILE);
        UserError.check(!files.fileSystem(target).exists(target), "%s already holds %s: choose another directory", dir,
                Tokenizers.FILE);
        List<BpeTrainer.Word> words = PieceCounts.count(documents.filter(d -> !Split.isValidation(d.id(), valFraction)));
        long pieces = words.stream().mapToLong(BpeTrainer.Word::count).sum();
        UserError.check(pieces > 0, "no text to learn a tokenizer from (outside the validation split)");
        say.accept(String.format("counted %,d pieces, %,d distinct, in %.1f s; learning up to %,d merges", pieces,
                words.size(), (System.nanoTime() - started) / 1e9, vocabSize - 256));
        long learning = System.nanoTime();
        List<BpeTrainer.Merge> merges = BpeTrainer.train(words, vocabSize - 256, (done, m) -> {
            if (done % every == 0) {
                say.accept(String.format("merge %,d (count %,d) after %.1f s", done, m.count(),
                        (System.nanoTime() - learning) / 1e9));
            }
        });
        byte[] json = TokenizerJson.byteLevelBpe(merges);
        JsonTokenizer.of(target.toString(), json); // the Rust library must load what we write
        files.write(target, o -> o.write(json));
        say.accept(String.format("wrote %s: vocabulary %,d (%,d merges) in %.1f s", target, 256 + merges.size(),
                merges.size(), (System.nanoTime() - started) / 1e9));
        return target;
    }
}
