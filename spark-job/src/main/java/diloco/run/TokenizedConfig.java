package diloco.run;

import static diloco.config.Options.TOKENIZER;

import diloco.config.TrainConfig;
import diloco.data.PreparedDataset;
import diloco.option.UserError;
import diloco.tokenize.Tokenizer;
import diloco.tokenize.Tokenizers;

import org.apache.hadoop.conf.Configuration;

/**
 * A run's configuration with its tokenizer resolved: the tokenizer --tokenizer names, or a prepared
 * dataset's own (then --tokenizer is the dataset, and an explicit other one is refused), and the
 * model's vocabulary set from it. What a run records and what the experiments runner compares
 * finished runs with.
 *
 * @param config    the configuration, vocabulary and tokenizer resolved
 * @param tokenizer the tokenizer
 * @param prepared  the prepared dataset --data names, or null for raw documents
 */
public record TokenizedConfig(TrainConfig config, Tokenizer tokenizer, PreparedDataset prepared) {

    /** {@code requested} for the data at {@code dataPath} (null: documents that are no path, a DataFrame's). */
    public static TokenizedConfig resolve(Configuration conf, TrainConfig requested, String dataPath) {
        PreparedDataset prepared = dataPath != null && PreparedDataset.isAt(conf, dataPath)
                ? PreparedDataset.open(conf, dataPath) : null;
        if (prepared == null) {
            Tokenizer tokenizer = Tokenizers.load(conf, requested.get(TOKENIZER));
            return new TokenizedConfig(requested.withVocabulary(tokenizer.vocabSize()), tokenizer, null);
        }
        Tokenizer tokenizer = prepared.tokenizer(conf);
        if (requested.isSet(TOKENIZER)) {
            Tokenizer asked = Tokenizers.load(conf, requested.get(TOKENIZER));
            UserError.check(asked.sha256().equals(tokenizer.sha256()), "--tokenizer %s is not the tokenizer of the "
                    + "prepared dataset %s (%s): leave --tokenizer out, or prepare the data with it", requested.get(TOKENIZER),
                    prepared.root(), prepared.manifest().tokenizer().name());
        }
        TrainConfig cfg = requested.with(TOKENIZER, prepared.root()).withVocabulary(tokenizer.vocabSize());
        prepared.check(cfg.data()); // before anything is logged: a mismatch is one line
        return new TokenizedConfig(cfg, tokenizer, prepared);
    }
}
