package diloco.config;

import static diloco.option.Option.Check.atLeast;

import diloco.option.Option;
import diloco.option.UserError;

import java.util.List;

/**
 * The options of the commands that prepare data before training: {@code tokenizer} (learn a
 * byte-level BPE tokenizer from a corpus) and {@code prepare} (tokenize a corpus once into a
 * dataset that training streams). Where they mean what a training option means
 * ({@code --data}, {@code --format}, ...), they are that option of {@link Options}.
 */
public final class DataOptions {
    private static final String TOKENIZER_SECTION = "Tokenizer";
    private static final String PREPARE_SECTION = "Prepare";
    /** The largest vocabulary: ids stay far below what a token file's uint32 holds, and training stays interactive. */
    public static final int MAX_VOCAB = 1 << 20;

    private DataOptions() {}

    public static final Option<Integer> VOCAB_SIZE = Option.integer("vocabSize").placeholder("V").byDefault(8192)
            .check((name, v) -> UserError.check(v >= 256 && v <= MAX_VOCAB,
                    "%s must be between 256 (the bytes alone) and %d, got %d", name, MAX_VOCAB, v))
            .section(TOKENIZER_SECTION)
            .doc("the vocabulary: the 256 bytes plus V - 256 merges (fewer when the corpus runs out of pairs)");
    public static final Option<String> TOKENIZER_OUT = Option.text("out").placeholder("DIR").section(TOKENIZER_SECTION)
            .doc("directory to write tokenizer.json to (required; any Hadoop path; it must not hold one already)");
    public static final Option<Integer> PROGRESS_EVERY = Option.integer("progressEvery").placeholder("N")
            .byDefault(1000).check(atLeast(1)).section(TOKENIZER_SECTION).doc("a progress line every N merges");

    public static final Option<Integer> PIECES = Option.integer("pieces").placeholder("N").byDefault(64)
            .check(atLeast(1)).section(PREPARE_SECTION)
            .doc("training pieces (files) to cut the tokens into; training gives each worker a run of whole pieces, so "
                    + "N bounds the workers a dataset serves (at least --workers)");
    public static final Option<Boolean> SKIP_EXISTING = Option.flag("skipExisting").section(PREPARE_SECTION)
            .doc("when --out already holds a dataset prepared with these settings, do nothing (a scheduled "
                    + "prepare before each training run); one prepared otherwise is an error");
    public static final Option<String> PREPARE_OUT = Option.text("out").placeholder("DIR").section(PREPARE_SECTION)
            .doc("the dataset directory to write (required; any Hadoop path, missing or empty); train with --data DIR");

    /** The options of {@code prepare}, in --help order. */
    public static List<Option<?>> prepare() {
        return List.of(Options.DATA, Options.FORMAT, Options.TEXT_COLUMN, Options.ID_COLUMN, Options.TOKENIZER,
                Options.VAL_FRACTION, Options.SHARD_BY, PIECES, PREPARE_OUT, SKIP_EXISTING);
    }

    /** The options of {@code tokenizer}, in --help order. */
    public static List<Option<?>> tokenizer() {
        return List.of(Options.DATA, Options.FORMAT, Options.TEXT_COLUMN, Options.ID_COLUMN, Options.VAL_FRACTION,
                VOCAB_SIZE, TOKENIZER_OUT, PROGRESS_EVERY);
    }
}
