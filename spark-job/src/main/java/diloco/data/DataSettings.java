package diloco.data;

import java.io.Serializable;

/**
 * What a run trains and validates on, and how it is split among the workers.
 *
 * @param source      where the documents are and how to read them
 * @param tokenizer   {@code bytes} or a tokenizer.json (see {@code diloco.tokenize.Tokenizers})
 * @param valFraction fraction of documents held out for validation, by a hash of their id
 * @param valWindows  fixed validation windows (context + 1 tokens each)
 * @param valSeed     seed choosing the validation windows
 * @param shardBy     non-i.i.d. shards: a regex whose first group on the id sorts documents into contiguous
 *                    ranges; null: a seeded hash of the id (i.i.d.)
 * @param workers     the workers k, one shard each
 * @param seed        the run's seed (the i.i.d. assignment of documents to workers)
 */
public record DataSettings(Source source, String tokenizer, double valFraction, int valWindows, long valSeed, String shardBy,
        int workers, long seed) implements Serializable {

    /**
     * Where the documents are ({@code --data} and its format options).
     *
     * @param path       any Hadoop path or glob
     * @param format     how to read it; auto: by file extension
     * @param textColumn the column holding the text (Parquet/JSON), or null
     * @param idColumn   the column holding a stable id, or null (a hash of the text)
     */
    public record Source(String path, DataFormat format, String textColumn, String idColumn) implements Serializable {}
}
