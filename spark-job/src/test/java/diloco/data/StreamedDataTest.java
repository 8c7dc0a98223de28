package diloco.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.io.HadoopConf;
import diloco.io.HadoopFiles;
import diloco.tokenize.BpeTrainer;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Piece counts for tokenizer training, and token streams over prepared pieces. */
class StreamedDataTest {
    @TempDir
    Path tmp;

    /** The counts, and so the merges, do not depend on how the corpus is partitioned. */
    @Test
    void pieceCountsAreTheSameForAnyPartitioning() throws Exception {
        List<Document> docs = new ArrayList<>();
        List<String> paragraphs = TestSupport.paragraphs();
        for (int i = 0; i < paragraphs.size(); i++) {
            docs.add(new Document("d" + i, paragraphs.get(i).getBytes(StandardCharsets.UTF_8)));
        }
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSupport.spark().sparkContext());
        List<BpeTrainer.Merge> reference = null;
        for (int partitions : new int[] {1, 3, 7}) {
            JavaRDD<Document> rdd = sc.parallelize(docs, partitions);
            List<BpeTrainer.Word> words = new ArrayList<>(PieceCounts.count(rdd));
            long total = words.stream().mapToLong(BpeTrainer.Word::count).sum();
            assertTrue(total > 1000, "pieces of the sample: " + total);
            List<BpeTrainer.Merge> merges = BpeTrainer.train(words, 50, (d, m) -> { });
            if (reference == null) {
                reference = merges;
            } else {
                assertEquals(reference, merges, partitions + " partitions");
            }
        }
    }

    /** A stream over several pieces reads each token where it is, across piece boundaries and empty pieces. */
    @Test
    void aStreamReadsItsPiecesInOrder() throws Exception {
        SplittableRandom rng = new SplittableRandom(1);
        List<PreparedDataset.Piece> pieces = new ArrayList<>();
        List<Integer> all = new ArrayList<>();
        int[] sizes = {5, 0, 1, 300, 7};
        for (int p = 0; p < sizes.length; p++) {
            byte[] bin = new byte[sizes[p] * 2];
            for (int i = 0; i < sizes[p]; i++) {
                int v = rng.nextInt(65536);
                all.add(v);
                bin[2 * i] = (byte) v; // little-endian uint16, written by hand
                bin[2 * i + 1] = (byte) (v >>> 8);
            }
            Files.write(tmp.resolve("p" + p + ".bin"), bin);
            pieces.add(new PreparedDataset.Piece("p" + p + ".bin", bin.length, HadoopFiles.sha256(bin), "none", 0, "",
                    0, sizes[p], 0));
        }
        PieceStream s = new PieceStream(new HadoopConf(new Configuration()), tmp.toString(), pieces, 2);
        assertEquals(all.size(), s.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(all.get(i), s.at(i), "token " + i);
        }
        assertThrows(IndexOutOfBoundsException.class, () -> s.at(all.size()));
    }

    /** A piece whose bytes are not the manifest's is refused, not trained on. */
    @Test
    void aDamagedPieceIsRefused() throws Exception {
        byte[] bin = {1, 0, 2, 0};
        Files.write(tmp.resolve("bad.bin"), bin);
        String wrong = HadoopFiles.sha256(new byte[] {1, 0, 2, 1});
        PieceStream s = new PieceStream(new HadoopConf(new Configuration()), tmp.toString(),
                List.of(new PreparedDataset.Piece("bad.bin", 4, wrong, "none", 0, "", 0, 2, 0)), 2);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> s.at(0));
        assertTrue(e.getMessage().contains("is damaged"), e.getMessage());
    }

    /** Pieces are cut among workers in contiguous runs of about equal tokens, each worker at least one. */
    @Test
    void piecesAreAssignedInRunsOfEqualTokens() {
        PreparedDataset ds = dataset(new long[] {10, 10, 10, 10, 10, 10, 10, 10});
        assertEquals(List.of(List.of(0, 1), List.of(2, 3), List.of(4, 5), List.of(6, 7)), ds.assign(4));
        PreparedDataset skewed = dataset(new long[] {100, 1, 1, 1});
        // middles 50, 100.5, 101.5, 102.5 of 103 put nothing in worker 0's third: it takes piece 0, and so on
        assertEquals(List.of(List.of(0), List.of(1), List.of(2, 3)), skewed.assign(3));
    }

    private static PreparedDataset dataset(long[] tokens) {
        List<PreparedDataset.Piece> pieces = new ArrayList<>();
        long total = 0;
        for (long t : tokens) {
            pieces.add(new PreparedDataset.Piece("f", 2 * t, "", "i", 0, "", 1, t, t));
            total += t;
        }
        PreparedDataset.Piece val = new PreparedDataset.Piece("v", 0, "", "vi", 0, "", 0, 0, 0);
        return PreparedDataset.of("ds", new PreparedDataset.Manifest(1, "src", null, 2, 0.0, null, tokens.length, total,
                total, pieces, val));
    }
}
