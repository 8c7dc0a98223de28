package diloco.data;

import static diloco.config.Options.DATA;
import static diloco.config.Options.ID_COLUMN;
import static diloco.config.Options.SEED;
import static diloco.config.Options.SHARD_BY;
import static diloco.config.Options.TEXT_COLUMN;
import static diloco.config.Options.VAL_FRACTION;
import static diloco.config.Options.WORKERS;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.config.TrainConfig;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

class DataTest {
    @TempDir
    Path tmp;

    private static String text(TokenStream t) {
        byte[] b = new byte[(int) t.size()];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) t.at(i);
        }
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    @Test
    void filesAreReadAsRawBytesWithRelativeIds() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("raw/sub"));
        byte[] invalidUtf8 = {'a', (byte) 0xff, (byte) 0xfe, (byte) 0x80, 'z'};
        Files.write(dir.resolve("bin.txt"), invalidUtf8);
        Files.writeString(tmp.resolve("raw/plain.txt"), "héllo");
        Files.writeString(tmp.resolve("raw/_SUCCESS"), "");
        TrainConfig c = TrainConfig.builder().set(DATA, tmp.resolve("raw").toString()).build();
        Map<String, byte[]> docs = new TreeMap<>();
        for (Document d : Corpus.load(TestSupport.spark(), c.data().source()).collect()) {
            docs.put(d.id(), text(d.tokens()).getBytes(StandardCharsets.ISO_8859_1));
        }
        assertEquals(List.of("plain.txt", "sub/bin.txt"), new ArrayList<>(docs.keySet()));
        assertArrayEquals(invalidUtf8, docs.get("sub/bin.txt"), "bytes kept exactly, not replaced");
        assertArrayEquals("héllo".getBytes(StandardCharsets.UTF_8), docs.get("plain.txt"));
    }

    @Test
    void parquetAndJsonTextColumnsAreUtf8() throws Exception {
        StructType schema = new StructType().add("id", DataTypes.LongType).add("body", DataTypes.StringType);
        Dataset<Row> df = TestSupport.spark().createDataFrame(List.of(
                RowFactory.create(1L, "naïve text"), RowFactory.create(2L, null), RowFactory.create(3L, "more")), schema);
        df.write().parquet(tmp.resolve("t.parquet").toString());
        df.write().json(tmp.resolve("t.json").toString());
        for (String path : new String[] {"t.parquet", "t.json"}) {
            TrainConfig c = TrainConfig.builder().set(DATA, tmp.resolve(path).toString())
                    .set(TEXT_COLUMN, "body").set(ID_COLUMN, "id").build();
            Map<String, String> docs = new TreeMap<>();
            for (Document d : Corpus.load(TestSupport.spark(), c.data().source()).collect()) {
                docs.put(d.id(), new String(text(d.tokens()).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
            }
            assertEquals(Map.of("1", "naïve text", "3", "more"), docs, path + " (null text rows skipped)");
        }
    }

    @Test
    void shardsHoldEachWorkersDocumentsSortedAndValidationIsDisjoint() throws Exception {
        Path corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        TrainConfig c = TestSupport.tinyConfig(corpus, tmp.resolve("o")).set(WORKERS, 3).set(VAL_FRACTION, 0.2).set(SEED, 11L).build();
        TrainingData data = TrainingData.prepare(TestSupport.spark(), c.data(), c.model().context());
        try {
            Map<String, String> all = new TreeMap<>();
            List<String> paragraphs = TestSupport.paragraphs();
            for (int i = 0; i < paragraphs.size(); i++) {
                all.put(String.format("doc-%02d.txt", i), paragraphs.get(i));
            }
            // expected shards, computed here from the documented rules
            Map<Integer, StringBuilder> expected = new HashMap<>();
            StringBuilder val = new StringBuilder();
            int valDocs = 0;
            for (Map.Entry<String, String> e : all.entrySet()) { // TreeMap: id order
                if (Split.isValidation(e.getKey(), 0.2)) {
                    val.append(e.getValue());
                    valDocs++;
                } else {
                    expected.computeIfAbsent(Split.workerOf(e.getKey(), 11, 3), w -> new StringBuilder()).append(e.getValue());
                }
            }
            assertTrue(valDocs > 0 && valDocs < all.size(), "some validation documents: " + valDocs);
            List<Shard> shards = data.shards.collect();
            assertEquals(3, shards.size());
            for (int p = 0; p < 3; p++) {
                Shard s = shards.get(p);
                assertEquals(p, s.worker(), "partition i is worker i");
                assertEquals(expected.get(p).toString(), text(s.tokens()));
                assertEquals(s.tokens().size(), data.stats.workerTokens()[p]);
            }
            assertEquals(all.size(), data.stats.documents());
            assertEquals(valDocs, data.stats.valDocuments());
            // validation windows: T+1 contiguous tokens of the validation text, the same every time
            assertEquals(16, data.validation.length);
            for (int[] w : data.validation) {
                assertEquals(c.model().context() + 1, w.length);
                StringBuilder sb = new StringBuilder();
                for (int t : w) {
                    sb.append((char) t);
                }
                assertTrue(val.toString().contains(sb), "window is a substring of the validation text");
            }
            TrainingData again = TrainingData.prepare(TestSupport.spark(), c.data(), c.model().context());
            assertArrayEquals(data.validation, again.validation);
            assertEquals(data.stats.fingerprint(), again.stats.fingerprint());
            again.release();
        } finally {
            data.release();
        }
    }

    /** Non-i.i.d.: sorted by the key, cut into contiguous token-balanced ranges. */
    @Test
    void shardByKeyGivesContiguousRanges() throws Exception {
        Path corpus = TestSupport.writeCorpus(tmp.resolve("keyed"));
        TrainConfig c = TestSupport.tinyConfig(corpus, tmp.resolve("o")).set(WORKERS, 3).set(VAL_FRACTION, 0.0)
                .set(SHARD_BY, "doc-(\\d+)").build();
        TrainingData data = TrainingData.prepare(TestSupport.spark(), c.data(), c.model().context());
        try {
            List<String> paragraphs = TestSupport.paragraphs();
            StringBuilder all = new StringBuilder();
            paragraphs.forEach(all::append);
            StringBuilder joined = new StringBuilder();
            long min = Long.MAX_VALUE;
            long max = 0;
            for (Shard s : data.shards.collect()) {
                joined.append(text(s.tokens()));
                min = Math.min(min, s.tokens().size());
                max = Math.max(max, s.tokens().size());
            }
            assertEquals(all.toString(), joined.toString(), "worker 0, 1, 2 hold consecutive ranges in key order");
            assertTrue(max < 2 * min, "token-balanced: " + min + ".." + max);
        } finally {
            data.release();
        }
    }

    @Test
    void fingerprintChangesWithContent() throws Exception {
        Path corpus = TestSupport.writeCorpus(tmp.resolve("c1"));
        TrainConfig c = TestSupport.tinyConfig(corpus, tmp.resolve("o")).build();
        TrainingData a = TrainingData.prepare(TestSupport.spark(), c.data(), c.model().context());
        a.release();
        Files.writeString(corpus.resolve("doc-00.txt"), "changed\n");
        TrainingData b = TrainingData.prepare(TestSupport.spark(), c.data(), c.model().context());
        b.release();
        assertFalse(a.stats.fingerprint().equals(b.stats.fingerprint()));
    }

    @Test
    void batchesDependOnlyOnSeedWorkerAndStep() {
        Tokens stream = Tokens.ofBytes("abcdefghijklmnopqrstuvwxyz0123456789".getBytes(StandardCharsets.US_ASCII));
        long[] x1 = new long[4 * 8];
        long[] y1 = new long[4 * 8];
        long[] x2 = new long[4 * 8];
        long[] y2 = new long[4 * 8];
        BatchSampler.fill(stream, 5, 1, 42, 4, 8, x1, y1);
        BatchSampler.fill(stream, 5, 1, 42, 4, 8, x2, y2);
        assertArrayEquals(x1, x2);
        BatchSampler.fill(stream, 5, 1, 43, 4, 8, x2, y2);
        assertFalse(java.util.Arrays.equals(x1, x2), "next step, other windows");
        String all = "abcdefghijklmnopqrstuvwxyz0123456789";
        for (int b = 0; b < 4; b++) {
            StringBuilder window = new StringBuilder();
            for (int t = 0; t < 8; t++) {
                window.append((char) x1[b * 8 + t]);
                if (t < 7) {
                    assertEquals(x1[b * 8 + t + 1], y1[b * 8 + t], "y is x shifted by one");
                }
            }
            window.append((char) y1[b * 8 + 7]);
            assertTrue(all.contains(window), "a contiguous window of T+1 tokens: " + window);
        }
    }

    @Test
    void splitIsDeterministicAndRoughlyProportional() {
        int val = 0;
        int[] perWorker = new int[4];
        for (int i = 0; i < 10_000; i++) {
            String id = "doc-" + i;
            assertEquals(Split.isValidation(id, 0.1), Split.isValidation(id, 0.1));
            val += Split.isValidation(id, 0.1) ? 1 : 0;
            perWorker[Split.workerOf(id, 3, 4)]++;
        }
        assertEquals(1000, val, 100);
        for (int n : perWorker) {
            assertEquals(2500, n, 200);
        }
        assertFalse(Split.isValidation("anything", 0));
    }
}
