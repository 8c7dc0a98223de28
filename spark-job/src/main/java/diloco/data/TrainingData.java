package diloco.data;

import diloco.io.HadoopConf;
import diloco.option.UserError;
import diloco.tokenize.Tokenizer;
import diloco.tokenize.Tokenizers;

import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

import scala.Tuple2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The data a run trains on: one shard per worker (partition i = worker i, persisted
 * MEMORY_AND_DISK), the fixed validation windows, and statistics. Every check that can fail on
 * the data runs here, before anything is written.
 */
public final class TrainingData {
    public final JavaRDD<Shard> shards;
    /** (n, T+1) validation windows; empty when --val-fraction is 0. */
    public final int[][] validation;
    public final DataStats stats;

    private TrainingData(JavaRDD<Shard> shards, int[][] validation, DataStats stats) {
        this.shards = shards;
        this.validation = validation;
        this.stats = stats;
    }

    /** The data of {@code --data} (see {@link Corpus}) in the tokens of {@code c.tokenizer()}. */
    public static TrainingData prepare(SparkSession spark, DataSettings c, int context) {
        return prepare(spark, DocumentSource.of(c.source()), c, context,
                Tokenizers.load(spark.sparkContext().hadoopConfiguration(), c.tokenizer()));
    }

    /** The data of {@code source} in {@code tokenizer}'s tokens (the one {@code c.tokenizer()} names, loaded). */
    public static TrainingData prepare(SparkSession spark, DocumentSource source, DataSettings c, int context,
            Tokenizer tokenizer) {
        return prepare(source.read(spark), c, context, source.describe(), tokenizer);
    }

    /**
     * The data of any documents (a DataFrame's rows, a corpus), tokenized on the executors;
     * {@code source} names them in messages. The documents are read twice (statistics, then
     * shards), so they are cached meanwhile.
     */
    public static TrainingData prepare(JavaRDD<Document> documents, DataSettings c, int context, String source,
            Tokenizer tokenizer) {
        JavaRDD<Document> docs = (tokenizer.isBytes() ? documents : documents.map(d -> d.tokenized(tokenizer)))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            return shard(docs, c, context, source);
        } finally {
            docs.unpersist(false);
        }
    }

    private static TrainingData shard(JavaRDD<Document> docs, DataSettings c, int context, String source) {
        double valFraction = c.valFraction();
        // one pass: counts and the order-independent fingerprint
        long[] totals = docs.map(d -> {
            boolean val = Split.isValidation(d.id(), valFraction);
            long h = Hashing.mix(Hashing.hash(d.id()), d.tokens().contentHash());
            return new long[] {1, d.tokens().length(), val ? 1 : 0, val ? d.tokens().length() : 0, h, val ? d.bytes() : 0};
        }).fold(new long[6], (a, b) -> {
            long[] sum = new long[a.length];
            Arrays.setAll(sum, i -> a[i] + b[i]);
            return sum;
        });
        long documents = totals[0];
        UserError.check(documents > 0 && totals[1] > 0, "no documents in %s (all are empty)", source);
        long trainDocs = documents - totals[2];
        UserError.check(trainDocs >= c.workers(),
                "%s has %d training documents, fewer than --workers %d (each worker needs its own documents)",
                source, trainDocs, c.workers());

        int workers = c.workers();
        long seed = c.seed();
        JavaRDD<Document> train = docs.filter(d -> !Split.isValidation(d.id(), valFraction));
        JavaPairRDD<Integer, Document> assigned;
        if (c.shardBy() == null) {
            assigned = train.mapToPair(d -> new Tuple2<>(Split.workerOf(d.id(), seed, workers), d));
        } else {
            Broadcast<Map<String, Integer>> byKey = JavaSparkContext.fromSparkContext(docs.context())
                    .broadcast(Split.contiguousByKey(train, c.shardBy(), workers));
            assigned = train.mapToPair(d -> new Tuple2<>(byKey.value().get(d.id()), d));
        }
        JavaRDD<Shard> shards = assigned
                .partitionBy(new WorkerPartitioner(workers))
                .mapPartitionsWithIndex((worker, it) -> {
                    List<Document> mine = new ArrayList<>();
                    it.forEachRemaining(t -> mine.add(t._2()));
                    mine.sort(Comparator.comparing(d -> d.id())); // shuffle order is not deterministic
                    List<Tokens> parts = new ArrayList<>(mine.size());
                    for (Document d : mine) {
                        parts.add(d.tokens());
                    }
                    return Collections.singletonList(new Shard(worker, mine.size(), Tokens.concat(parts))).iterator();
                }, true)
                .persist(shardStorage(docs.context().isLocal()));
        try {
            return describe(docs, shards, totals, c, context);
        } catch (RuntimeException e) {
            shards.unpersist(false);
            throw e;
        }
    }

    /**
     * On a cluster every shard is cached on two executors: when one is lost, the retried worker
     * reads the copy instead of recomputing the data shuffle, whose output died with it too. A
     * recomputation would resubmit the round's stage, restarting Spark's count of the worker's
     * attempts (so --on-worker-failure drop would never see its last attempt) and re-reading
     * the corpus. Local mode has no second executor to copy to.
     */
    static StorageLevel shardStorage(boolean local) {
        return local ? StorageLevel.MEMORY_AND_DISK() : StorageLevel.MEMORY_AND_DISK_2();
    }

    private static TrainingData describe(JavaRDD<Document> docs, JavaRDD<Shard> shards, long[] totals, DataSettings c,
            int context) {
        int workers = c.workers();
        double valFraction = c.valFraction();
        long documents = totals[0];
        List<long[]> sizes = new ArrayList<>(shards.map(s -> new long[] {s.worker(), s.documents(), s.tokens().size()})
                .collect());
        sizes.sort(Comparator.comparingLong(s -> s[0]));
        long[] workerDocs = new long[workers];
        long[] workerTokens = new long[workers];
        for (long[] s : sizes) {
            workerDocs[(int) s[0]] = s[1];
            workerTokens[(int) s[0]] = s[2];
        }
        for (int w = 0; w < workers; w++) {
            UserError.check(workerTokens[w] >= context + 1,
                    "worker %d got %d documents with %d tokens, fewer than --context+1 = %d: use fewer --workers or more data",
                    w, workerDocs[w], workerTokens[w], context + 1);
        }
        int[][] validation = new int[0][];
        if (valFraction > 0) {
            UserError.check(totals[2] > 0,
                    "the validation split is empty (%d documents, --val-fraction %s): raise --val-fraction, or pass 0 to skip validation",
                    documents, valFraction);
            validation = ValidationWindows.extract(docs.filter(d -> Split.isValidation(d.id(), valFraction)),
                    c.valWindows(), context, c.valSeed());
        }
        String fingerprint = String.format("%016x-%d-%d", totals[4], documents, totals[1]);
        DataStats stats = new DataStats(documents, totals[1], totals[2], totals[3], totals[5], fingerprint, workerTokens, workerDocs);
        return new TrainingData(shards, validation, stats);
    }

    /**
     * The data of a prepared dataset: worker w streams its run of pieces ({@link PreparedDataset#assign}),
     * nothing is cached or shuffled, and only the validation windows are read here. The dataset's
     * split must be the run's: its --val-fraction and --shard-by were fixed when it was prepared.
     */
    public static TrainingData fromPrepared(JavaSparkContext sc, PreparedDataset ds, DataSettings c, int context) {
        PreparedDataset.Manifest m = ds.manifest();
        int workers = c.workers();
        List<List<Integer>> assigned = ds.check(c);
        HadoopConf conf = new HadoopConf(sc.hadoopConfiguration());
        List<Shard> shards = new ArrayList<>();
        long[] workerTokens = new long[workers];
        long[] workerDocs = new long[workers];
        for (int w = 0; w < workers; w++) {
            for (int p : assigned.get(w)) {
                workerTokens[w] += m.pieces().get(p).tokens();
                workerDocs[w] += m.pieces().get(p).documents();
            }
            UserError.check(workerTokens[w] >= context + 1,
                    "worker %d got pieces %s with %d tokens, fewer than --context+1 = %d: use fewer --workers or more data",
                    w, assigned.get(w), workerTokens[w], context + 1);
            shards.add(new Shard(w, workerDocs[w], ds.stream(conf, assigned.get(w))));
        }
        PreparedDataset.Piece val = m.validation();
        int[][] validation = new int[0][];
        if (c.valFraction() > 0) {
            UserError.check(val.documents() > 0, "the validation split of %s is empty: prepare it with a larger "
                    + "--val-fraction, or pass 0 to skip validation", ds.root());
            validation = ValidationWindows.extract(ds.validationDocuments(sc), c.valWindows(), context, c.valSeed());
        }
        DataStats stats = new DataStats(m.documents(), m.tokens(), val.documents(), val.tokens(), val.bytes(),
                ds.fingerprint(), workerTokens, workerDocs);
        return new TrainingData(sc.parallelize(shards, workers), validation, stats);
    }

    /** Frees the cached shards. */
    public void release() {
        shards.unpersist(false);
    }
}
