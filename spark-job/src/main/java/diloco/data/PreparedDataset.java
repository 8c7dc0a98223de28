package diloco.data;

import diloco.io.HadoopConf;
import diloco.io.HadoopFiles;
import diloco.io.Json;
import diloco.io.Records;
import diloco.option.UserError;
import diloco.tokenize.Tokenizer;
import diloco.tokenize.Tokenizers;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import scala.Tuple2;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A corpus tokenized once ({@code ./submit.sh prepare}) and streamed by training: a directory on
 * any Hadoop FileSystem holding
 *
 * <pre>
 *   tokens/piece-00000.bin ...   training pieces: their documents' tokens, concatenated in id order,
 *                                uint16 little-endian when the vocabulary fits (else uint32)
 *   tokens/validation.bin        the validation split (--val-fraction, by document id), likewise
 *   index/piece-00000.jsonl ...  document boundaries: one line per document (id, offset, tokens, bytes)
 *   tokenizer.json               the tokenizer the tokens are in
 *   manifest.json                written last: counts, the tokenizer's SHA-256, each file's size and SHA-256
 * </pre>
 *
 * Documents go to pieces by a hash of their id (i.i.d. pieces), or with {@code --shard-by} in key
 * order (contiguous key ranges: non-i.i.d. when pieces are cut among workers). Training gives
 * worker w a contiguous run of pieces, cut at equal tokens ({@link #assign}); a worker copies its
 * pieces to its executor's local disk (verifying each against the manifest) and maps them into
 * memory, so its data never sits on the heap.
 */
public final class PreparedDataset implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String MANIFEST = "manifest.json";
    static final int FORMAT = 1;

    /** One file of tokens and its document index. */
    public record Piece(String file, long fileBytes, String sha256, String index, long indexBytes, String indexSha256,
            long documents, long tokens, long bytes) implements Serializable {}

    /** The tokenizer the tokens are in. */
    public record TokenizerInfo(String name, int vocabSize, String sha256) implements Serializable {}

    /** manifest.json. */
    public record Manifest(int format, String source, TokenizerInfo tokenizer, int bytesPerToken, double valFraction,
            String shardBy, long documents, long tokens, long bytes, List<Piece> pieces, Piece validation)
            implements Serializable {}

    private final String root;
    private final Manifest manifest;
    private final String manifestSha256;

    private PreparedDataset(String root, Manifest manifest, String manifestSha256) {
        this.root = root;
        this.manifest = manifest;
        this.manifestSha256 = manifestSha256;
    }

    public Manifest manifest() {
        return manifest;
    }

    public String root() {
        return root;
    }

    /** Identifies the data across runs (resume checks it): the manifest's digest and counts. */
    public String fingerprint() {
        return String.format("prepared-%s-%d-%d", manifestSha256.substring(0, 16), manifest.documents(),
                manifest.tokens());
    }

    /** A dataset of this manifest at {@code root} (tests of the assignment rule). */
    static PreparedDataset of(String root, Manifest manifest) {
        return new PreparedDataset(root, manifest, "0".repeat(64));
    }

    /** Whether {@code path} is a prepared dataset (holds a manifest). */
    public static boolean isAt(Configuration conf, String path) {
        try {
            Path m = new Path(path, MANIFEST);
            return new HadoopFiles(conf).fileSystem(m).exists(m);
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The dataset at {@code path}; its manifest checked for consistency (the pieces are checked when copied). */
    public static PreparedDataset open(Configuration conf, String path) {
        HadoopFiles files = new HadoopFiles(conf);
        Path m = new Path(path, MANIFEST);
        Manifest manifest;
        byte[] raw;
        try {
            raw = files.read(m);
            manifest = Records.fromJson(Manifest.class, Json.parseObject(new String(raw, StandardCharsets.UTF_8)));
        } catch (IOException | RuntimeException e) {
            throw new UserError("cannot read the prepared dataset " + path + ": " + Corpus.oneLine(e));
        }
        UserError.check(manifest.format() == FORMAT, "the prepared dataset %s has format %d; this build reads %d: "
                + "prepare it again", path, manifest.format(), FORMAT);
        long docs = manifest.validation().documents();
        long tokens = manifest.validation().tokens();
        for (Piece p : manifest.pieces()) {
            docs += p.documents();
            tokens += p.tokens();
            UserError.check(p.fileBytes() == p.tokens() * manifest.bytesPerToken(),
                    "the prepared dataset %s is damaged: %s has %d bytes for %d tokens", path, p.file(), p.fileBytes(),
                    p.tokens());
        }
        UserError.check(docs == manifest.documents() && tokens == manifest.tokens(),
                "the prepared dataset %s is damaged: its pieces do not add up to its counts", path);
        return new PreparedDataset(new Path(path).toString(), manifest, HadoopFiles.sha256(raw));
    }

    /** Its tokenizer, read from the dataset and checked against the manifest. */
    public Tokenizer tokenizer(Configuration conf) {
        if (manifest.tokenizer().sha256().equals(Tokenizer.BYTES.sha256())) {
            return Tokenizer.BYTES;
        }
        Tokenizer t = Tokenizers.load(conf, root);
        UserError.check(t.sha256().equals(manifest.tokenizer().sha256()),
                "the prepared dataset %s is damaged: its tokenizer.json is not the one its tokens were made with", root);
        return t;
    }

    // ---- preparing ----

    /**
     * Tokenizes {@code documents} into a dataset at {@code out} (missing or empty): {@code pieces}
     * training pieces plus the validation piece, each written by one task (documents sorted by id
     * with Spark's spilling sort), then the tokenizer and, last, the manifest.
     */
    public static Manifest write(JavaRDD<Document> documents, String source, Tokenizer tokenizer, double valFraction,
            String shardBy, int pieces, String out, Configuration conf) throws IOException {
        HadoopFiles files = new HadoopFiles(conf);
        Path root = new Path(out);
        clearIncomplete(files, root);
        UserError.check(files.isMissingOrEmpty(root), "--out %s is not empty: prepare into a new directory", out);
        int bytesPerToken = tokenizer.vocabSize() <= 65536 ? 2 : 4;
        JavaPairRDD<String, Document> byId = documents.mapToPair(d -> new Tuple2<>(d.id(), d));
        Partitioner partitioner;
        if (shardBy == null) {
            partitioner = new HashPieces(pieces);
        } else {
            JavaRDD<Document> train = documents.filter(d -> !Split.isValidation(d.id(), valFraction));
            Broadcast<Map<String, Integer>> byKey = JavaSparkContext.fromSparkContext(documents.context())
                    .broadcast(Split.contiguousByKey(train, shardBy, pieces));
            partitioner = new KeyPieces(pieces, byKey);
        }
        Partitioner split = new ValidationApart(partitioner, valFraction);
        HadoopConf hadoop = new HadoopConf(conf);
        String rootName = files.fileSystem(root).makeQualified(root).toString();
        List<Tuple2<Integer, Piece>> written = byId
                .repartitionAndSortWithinPartitions(split, Comparator.naturalOrder())
                .mapPartitionsWithIndex((index, docs) -> List.of(new Tuple2<>(index, writePiece(hadoop, rootName, index,
                        index == pieces, docs, tokenizer, bytesPerToken))).iterator(), true)
                .collect();
        List<Piece> training = new ArrayList<>();
        Piece validation = null;
        for (Tuple2<Integer, Piece> t : written.stream().sorted(Comparator.comparing(Tuple2::_1)).toList()) {
            if (t._1() == pieces) {
                validation = t._2();
            } else {
                training.add(t._2());
            }
        }
        long docs = validation.documents();
        long tokens = validation.tokens();
        long bytes = validation.bytes();
        for (Piece p : training) {
            docs += p.documents();
            tokens += p.tokens();
            bytes += p.bytes();
        }
        UserError.check(docs > 0, "no documents in %s", source);
        byte[] json = tokenizer.json();
        files.write(new Path(root, Tokenizers.FILE), o -> o.write(json));
        Manifest manifest = new Manifest(FORMAT, source, new TokenizerInfo(tokenizer.name(), tokenizer.vocabSize(),
                tokenizer.sha256()), bytesPerToken, valFraction, shardBy, docs, tokens, bytes, training, validation);
        files.writeString(new Path(root, MANIFEST), Json.pretty(Records.toJson(manifest)));
        return manifest;
    }

    /** What {@code prepare} writes into a dataset directory before its manifest. */
    private static final java.util.Set<String> OWN = java.util.Set.of("tokens", "index", Tokenizers.FILE);

    /**
     * A directory holding only the files of a prepare that never finished (no manifest): removed,
     * so a retried prepare (Airflow's, after a lost executor) starts clean. Anything else stays.
     */
    private static void clearIncomplete(HadoopFiles files, Path root) throws IOException {
        org.apache.hadoop.fs.FileSystem fs = files.fileSystem(root);
        if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory() || fs.exists(new Path(root, MANIFEST))) {
            return;
        }
        org.apache.hadoop.fs.FileStatus[] entries = fs.listStatus(root);
        if (entries.length == 0 || !java.util.Arrays.stream(entries).allMatch(e -> OWN.contains(e.getPath().getName())
                || e.getPath().getName().startsWith("."))) {
            return;
        }
        for (org.apache.hadoop.fs.FileStatus e : entries) {
            fs.delete(e.getPath(), true);
        }
    }

    /**
     * Whether {@code out} already holds a complete dataset of these settings (nothing to do); throws
     * {@link UserError} when it holds one of other settings; false when there is none.
     */
    public static boolean alreadyPrepared(Configuration conf, String out, String source, Tokenizer tokenizer,
            double valFraction, String shardBy, int pieces) {
        if (!isAt(conf, out)) {
            return false;
        }
        Manifest m = open(conf, out).manifest();
        boolean same = m.source().equals(source) && m.tokenizer().sha256().equals(tokenizer.sha256())
                && m.valFraction() == valFraction && java.util.Objects.equals(m.shardBy(), shardBy)
                && m.pieces().size() == pieces;
        UserError.check(same, "--out %s holds a dataset prepared with other settings (--data %s, tokenizer %s, "
                + "--val-fraction %s, --shard-by %s, --pieces %d): choose another directory", out, m.source(),
                m.tokenizer().name(), m.valFraction(), m.shardBy(), m.pieces().size());
        return true;
    }

    private static Piece writePiece(HadoopConf conf, String root, int index, boolean validation,
            Iterator<Tuple2<String, Document>> docs, Tokenizer tokenizer, int bytesPerToken) throws IOException {
        HadoopFiles files = new HadoopFiles(conf.get());
        String name = validation ? "validation" : String.format("piece-%05d", index);
        String tokensFile = "tokens/" + name + ".bin";
        String indexFile = "index/" + name + ".jsonl";
        long[] counts = new long[3]; // documents, tokens, bytes
        StringBuilder lines = new StringBuilder();
        HadoopFiles.Written bin = files.write(new Path(root, tokensFile), raw -> {
            DataOutputStream out = new DataOutputStream(raw);
            while (docs.hasNext()) {
                Document d = docs.next()._2();
                int[] ids = tokenizer.encode(d.tokens().bytes());
                writeLittleEndian(out, ids, bytesPerToken);
                lines.append(Json.line(Records.toJson(new IndexLine(d.id(), counts[1], ids.length, d.bytes())))).append('\n');
                counts[0]++;
                counts[1] += ids.length;
                counts[2] += d.bytes();
            }
            out.flush();
        });
        HadoopFiles.Written idx = files.writeString(new Path(root, indexFile), lines.toString());
        return new Piece(tokensFile, bin.bytes(), bin.sha256(), indexFile, idx.bytes(), idx.sha256(), counts[0], counts[1],
                counts[2]);
    }

    /** A line of a piece's index: a document's id, where its tokens start in the piece, how many, and its bytes. */
    record IndexLine(String id, long offset, long tokens, long bytes) {}

    private static void writeLittleEndian(OutputStream out, int[] ids, int bytesPerToken) throws IOException {
        byte[] buf = new byte[ids.length * bytesPerToken];
        for (int i = 0; i < ids.length; i++) {
            int v = ids[i];
            int at = i * bytesPerToken;
            buf[at] = (byte) v;
            buf[at + 1] = (byte) (v >>> 8);
            if (bytesPerToken == 4) {
                buf[at + 2] = (byte) (v >>> 16);
                buf[at + 3] = (byte) (v >>> 24);
            }
        }
        out.write(buf);
    }

    /** Pieces by a hash of the document id: every piece a uniform sample. */
    private static final class HashPieces extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int pieces;

        HashPieces(int pieces) {
            this.pieces = pieces;
        }

        @Override
        public int numPartitions() {
            return pieces;
        }

        @Override
        public int getPartition(Object id) {
            return (int) Long.remainderUnsigned(Hashing.mix(Hashing.hash((String) id), 0x7069656365L), pieces);
        }
    }

    /** Pieces by --shard-by's key: contiguous key ranges of about equal tokens, in key order. */
    private static final class KeyPieces extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final int pieces;
        private final Broadcast<Map<String, Integer>> byKey;

        KeyPieces(int pieces, Broadcast<Map<String, Integer>> byKey) {
            this.pieces = pieces;
            this.byKey = byKey;
        }

        @Override
        public int numPartitions() {
            return pieces;
        }

        @Override
        public int getPartition(Object id) {
            return byKey.value().get((String) id);
        }
    }

    /** The training pieces of {@code train}, and one more partition, the last, for the validation split. */
    private static final class ValidationApart extends Partitioner {
        private static final long serialVersionUID = 1L;
        private final Partitioner train;
        private final double valFraction;

        ValidationApart(Partitioner train, double valFraction) {
            this.train = train;
            this.valFraction = valFraction;
        }

        @Override
        public int numPartitions() {
            return train.numPartitions() + 1;
        }

        @Override
        public int getPartition(Object id) {
            return Split.isValidation((String) id, valFraction) ? train.numPartitions() : train.getPartition(id);
        }
    }

    // ---- reading ----

    /**
     * Checks that a run of settings {@code c} can train on this dataset (its split was fixed when
     * it was prepared; it has a piece for each worker) and returns each worker's pieces.
     */
    public List<List<Integer>> check(DataSettings c) {
        UserError.check(manifest.valFraction() == c.valFraction(), "the prepared dataset %s was split with --val-fraction "
                + "%s, this run asks for %s: pass --val-fraction %s, or prepare the data again", root,
                manifest.valFraction(), c.valFraction(), manifest.valFraction());
        UserError.check(java.util.Objects.equals(manifest.shardBy(), c.shardBy()), "the prepared dataset %s was cut into "
                + "pieces %s, this run asks for %s: training takes the pieces as prepared (prepare again with the "
                + "--shard-by you want)", root, manifest.shardBy() == null ? "by document hash (i.i.d.)"
                        : "with --shard-by " + manifest.shardBy(), c.shardBy() == null ? "i.i.d. shards"
                        : "--shard-by " + c.shardBy());
        return assign(c.workers());
    }

    /**
     * Which pieces each of {@code workers} trains on: contiguous runs of pieces, worker w taking
     * the pieces whose middle token falls in the w-th k-th of all training tokens (as
     * {@link Split#contiguousByKey} cuts documents), so shards are about equal; a run left empty
     * by uneven pieces takes its neighbour's nearest piece, so every worker has one.
     */
    public List<List<Integer>> assign(int workers) {
        List<Piece> ps = manifest.pieces();
        UserError.check(ps.size() >= workers, "the prepared dataset %s has %d pieces, fewer than --workers %d: "
                + "prepare it with --pieces %d or more", root, ps.size(), workers, workers);
        long total = 0;
        for (Piece p : ps) {
            total += p.tokens();
        }
        // first[w]: the first piece of worker w by the middle-token rule, then moved so that every run is non-empty
        int n = ps.size();
        int[] first = new int[workers + 1];
        Arrays.fill(first, n);
        long before = 0;
        for (int i = 0; i < n; i++) {
            double middle = before + ps.get(i).tokens() / 2.0;
            int w = (int) Math.min(workers - 1, Math.floor(middle * workers / Math.max(1, total)));
            for (int v = 1; v <= w; v++) {
                first[v] = Math.min(first[v], i);
            }
            before += ps.get(i).tokens();
        }
        first[0] = 0;
        for (int w = 1; w < workers; w++) {
            first[w] = Math.max(first[w], first[w - 1] + 1);
        }
        for (int w = workers - 1; w >= 1; w--) {
            first[w] = Math.min(first[w], first[w + 1] - 1);
        }
        List<List<Integer>> out = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            List<Integer> run = new ArrayList<>();
            for (int i = first[w]; i < first[w + 1]; i++) {
                run.add(i);
            }
            out.add(run);
        }
        return out;
    }

    /** The tokens of worker {@code w}'s pieces as one stream, opened on first use where it is read. */
    public PieceStream stream(HadoopConf conf, List<Integer> pieces) {
        List<Piece> mine = new ArrayList<>();
        for (int i : pieces) {
            mine.add(manifest.pieces().get(i));
        }
        return new PieceStream(conf, root, mine, manifest.bytesPerToken());
    }

    /** The validation documents, read from the validation piece and its index on an executor. */
    public JavaRDD<Document> validationDocuments(JavaSparkContext sc) {
        HadoopConf conf = new HadoopConf(sc.hadoopConfiguration());
        Piece val = manifest.validation();
        int bytesPerToken = manifest.bytesPerToken();
        String at = root;
        return sc.parallelize(List.of(0), 1).flatMap(ignored -> {
            PieceStream stream = new PieceStream(conf, at, List.of(val), bytesPerToken);
            List<Document> docs = new ArrayList<>();
            byte[] index = new HadoopFiles(conf.get()).read(new Path(at, val.index()));
            for (String line : new String(index, StandardCharsets.UTF_8).split("\n")) {
                if (!line.isEmpty()) {
                    IndexLine l = Records.fromJson(IndexLine.class, Json.parseObject(line));
                    int[] ids = new int[(int) l.tokens()];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = stream.at(l.offset() + i);
                    }
                    docs.add(new Document(l.id(), Tokens.ofIds(ids), l.bytes()));
                }
            }
            return docs.iterator();
        });
    }
}
