package diloco.cli;

import static diloco.cli.ModelCommandsTest.assertBad;
import static diloco.cli.ModelCommandsTest.outcome;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import diloco.TestSupport;
import diloco.cli.ModelCommandsTest.Outcome;
import diloco.data.Split;
import diloco.io.HadoopFiles;
import diloco.io.HuggingFaceGpt2;
import diloco.io.Json;
import diloco.run.SavedModel;
import diloco.tokenize.Tokenizer;
import diloco.tokenize.Tokenizers;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The sub-word path through the command line: a tokenizer learned as a Spark job, a corpus
 * prepared with it, training from the prepared dataset and from raw data with it, and the model
 * commands on the result. The prepared files are checked against the tokenizer applied document
 * by document here, not against the job's own reading of them.
 */
class TokenizedDataTest {
    @TempDir
    static Path tmp;
    static Path corpus;
    static Path tokenizerDir;
    static Path dataset;
    static Tokenizer tokenizer;
    static final int VOCAB = 320;

    @BeforeAll
    static void prepare() throws Exception {
        corpus = TestSupport.writeCorpus(tmp.resolve("corpus"));
        tokenizerDir = tmp.resolve("tok");
        Outcome t = outcome(out -> TrainTokenizer.run(new String[] {"--data", corpus.toString(), "--vocab-size",
                String.valueOf(VOCAB), "--out", tokenizerDir.toString(), "--progress-every", "20"}, out, out, false));
        assertEquals(0, t.status(), t.text());
        assertTrue(t.text().contains("merge 40 (count"), t.text());
        tokenizer = Tokenizers.load(new Configuration(), tokenizerDir.toString());
        dataset = tmp.resolve("ds");
        Outcome p = outcome(out -> Prepare.run(new String[] {"--data", corpus.toString(), "--tokenizer",
                tokenizerDir.toString(), "--pieces", "5", "--val-fraction", "0.2", "--out", dataset.toString()},
                out, out, false));
        assertEquals(0, p.status(), p.text());
    }

    static String[] train(Path out, String data, String... more) {
        List<String> args = new ArrayList<>(List.of("--data", data, "--out", out.toString(), "--preset", "tiny",
                "--workers", "4", "--inner-steps", "4", "--rounds", "2", "--batch-size", "4", "--inner-lr", "3e-3",
                "--warmup-steps", "2", "--threads-per-worker", "1", "--val-fraction", "0.2", "--val-windows", "8"));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    static Outcome run(String[] args) {
        return outcome(out -> Train.run(args, out, out, false));
    }

    @Test
    void theTokenizerIsLearnedAndKeptSafe() throws Exception {
        assertEquals(VOCAB, tokenizer.vocabSize(), "the sample has more than 64 pairs to merge");
        byte[] text = String.join("", TestSupport.paragraphs()).getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(text, tokenizer.decode(tokenizer.encode(text)));
        assertTrue(tokenizer.encode(text).length < text.length * 0.8, "merges shorten the text");
        byte[] before = Files.readAllBytes(tokenizerDir.resolve(Tokenizers.FILE));
        Outcome again = outcome(out -> TrainTokenizer.run(new String[] {"--data", corpus.toString(), "--vocab-size", "300",
                "--out", tokenizerDir.toString()}, out, out, false));
        assertBad(again, "already holds tokenizer.json");
        assertArrayEquals(before, Files.readAllBytes(tokenizerDir.resolve(Tokenizers.FILE)), "left as it was");
        assertBad(outcome(out -> TrainTokenizer.run(new String[] {"--data", corpus.toString(), "--vocab-size", "100",
                "--out", tmp.resolve("t2").toString()}, out, out, false)), "--vocab-size must be between 256");
    }

    /**
     * Every document is in exactly one piece (the validation piece iff Split says so), under its
     * id in the index, at its offset, with exactly the tokens the tokenizer gives its text; pieces
     * list their documents in id order; files match the manifest's sizes and digests.
     */
    @Test
    @SuppressWarnings("unchecked")
    void thePreparedFilesHoldEachDocumentsTokens() throws Exception {
        Map<String, byte[]> texts = new HashMap<>();
        try (var files = Files.list(corpus)) {
            for (Path f : files.toList()) {
                texts.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        Map<String, Object> manifest = Json.parseObject(Files.readString(dataset.resolve("manifest.json")));
        assertEquals(tokenizer.sha256(), ((Map<String, Object>) manifest.get("tokenizer")).get("sha256"));
        assertEquals(2, ((Number) manifest.get("bytes_per_token")).intValue());
        List<Map<String, Object>> pieces = new ArrayList<>((List<Map<String, Object>>) manifest.get("pieces"));
        assertEquals(5, pieces.size());
        pieces.add((Map<String, Object>) manifest.get("validation"));
        Map<String, Integer> seen = new HashMap<>();
        for (int p = 0; p < pieces.size(); p++) {
            Map<String, Object> piece = pieces.get(p);
            byte[] bin = Files.readAllBytes(dataset.resolve((String) piece.get("file")));
            assertEquals(((Number) piece.get("file_bytes")).longValue(), bin.length);
            assertEquals(piece.get("sha256"), HadoopFiles.sha256(bin));
            ByteBuffer le = ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN);
            String previous = "";
            long offset = 0;
            for (String line : Files.readAllLines(dataset.resolve((String) piece.get("index")))) {
                Map<String, Object> doc = Json.parseObject(line);
                String id = (String) doc.get("id");
                assertTrue(id.compareTo(previous) > 0, "id order: " + previous + " then " + id);
                previous = id;
                assertEquals(null, seen.put(id, p), id + " in one piece only");
                assertEquals(p == pieces.size() - 1, Split.isValidation(id, 0.2), id);
                int[] expected = tokenizer.encode(texts.get(id));
                assertEquals(offset, ((Number) doc.get("offset")).longValue());
                assertEquals(expected.length, ((Number) doc.get("tokens")).intValue());
                assertEquals(texts.get(id).length, ((Number) doc.get("bytes")).intValue());
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], le.getShort((int) (offset + i) * 2) & 0xffff, id + " token " + i);
                }
                offset += expected.length;
            }
            assertEquals(offset * 2, bin.length, "nothing but the documents' tokens");
        }
        assertEquals(texts.keySet(), seen.keySet());
        assertBad(outcome(out -> Prepare.run(new String[] {"--data", corpus.toString(), "--out", dataset.toString()},
                out, out, false)), "is not empty");
        assertBad(outcome(out -> TrainTokenizer.run(new String[] {"--data", dataset.toString(), "--out",
                tmp.resolve("t3").toString()}, out, out, false)), "is a prepared dataset");
    }

    /**
     * Training from the prepared dataset: 4 workers, twice, the same model to the byte; the run
     * records and keeps the dataset's tokenizer; bits per byte are in the metrics.
     */
    @Test
    @SuppressWarnings("unchecked")
    void trainingFromAPreparedDatasetIsRepeatable() throws Exception {
        Path a = tmp.resolve("from-ds-a");
        Path b = tmp.resolve("from-ds-b");
        Outcome ra = run(train(a, dataset.toString()));
        assertEquals(0, ra.status(), ra.text());
        assertEquals(0, run(train(b, dataset.toString())).status());
        assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")), Files.readAllBytes(b.resolve("model.safetensors")));
        assertTrue(ra.text().contains("bits/byte"), ra.text());
        Map<String, Object> runJson = Json.parseObject(Files.readString(a.resolve("run.json")));
        assertEquals(tokenizer.sha256(), ((Map<String, Object>) runJson.get("tokenizer")).get("sha256"));
        assertTrue(((String) ((Map<String, Object>) runJson.get("data")).get("fingerprint")).startsWith("prepared-"));
        assertArrayEquals(tokenizer.json(), Files.readAllBytes(a.resolve(Tokenizers.FILE)));
        SavedModel model = SavedModel.load(new Configuration(), a.toString()).model();
        assertEquals(VOCAB, model.config().vocabSize());
        assertEquals(tokenizer.sha256(), model.tokenizer().sha256());
        String last = Files.readAllLines(a.resolve("metrics.jsonl")).get(1);
        Map<String, Object> m = Json.parseObject(last);
        double tokensPerByte = ((Number) ((Map<String, Object>) runJson.get("data")).get("val_tokens")).doubleValue()
                / ((Number) ((Map<String, Object>) runJson.get("data")).get("val_bytes")).doubleValue();
        assertTrue(tokensPerByte < 0.8, "BPE: fewer tokens than bytes, " + tokensPerByte);
        assertEquals(((Number) m.get("val_loss")).doubleValue() * tokensPerByte / Math.log(2),
                ((Number) m.get("val_bits_per_byte")).doubleValue(), 1e-9);

        assertBad(run(train(tmp.resolve("bad-split"), dataset.toString(), "--val-fraction", "0.1")),
                "was split with --val-fraction 0.2");
        assertBad(run(train(tmp.resolve("bad-tok"), dataset.toString(), "--tokenizer", "bytes")),
                "is not the tokenizer of the prepared dataset");
        assertBad(run(train(tmp.resolve("too-many"), dataset.toString(), "--workers", "6")),
                "has 5 pieces, fewer than --workers 6");
    }

    /**
     * Raw data with --tokenizer trains too; its model generates, evaluates and exports through the
     * tokenizer; a resume with another tokenizer is refused, and the checkpoint is left intact.
     */
    @Test
    void rawDataWithATokenizerAndTheModelCommands() throws Exception {
        Path out = tmp.resolve("raw");
        Outcome r = run(train(out, corpus.toString(), "--tokenizer", tokenizerDir.toString(), "--checkpoint-every", "1"));
        assertEquals(0, r.status(), r.text());
        Outcome g = outcome(o -> Generate.run(new String[] {"--model", out.toString(), "--prompt", "The Congress",
                "--max-bytes", "40", "--seed", "3"}, o, o));
        assertEquals(0, g.status(), g.text());
        // at most 40 bytes, each byte at most one character (an invalid sequence prints as U+FFFD)
        assertTrue(!g.text().isBlank() && g.text().strip().length() <= 40, g.text());
        Path eval = tmp.resolve("eval");
        Outcome e = outcome(o -> Evaluate.run(new String[] {"--model", out.toString(), "--data", corpus.toString(),
                "--out", eval.toString()}, o, o, false));
        assertEquals(0, e.status(), e.text());
        Map<String, Object> result = Json.parseObject(Files.readString(eval.resolve(Evaluate.RESULT)));
        assertTrue(((Number) result.get("bits_per_byte")).doubleValue() > 0);
        Path hf = tmp.resolve("hf");
        assertEquals(0, outcome(o -> Export.run(new String[] {"--model", out.toString(), "--out", hf.toString()}, o, o))
                .status());
        assertArrayEquals(tokenizer.json(), Files.readAllBytes(hf.resolve(HuggingFaceGpt2.TOKENIZER)));
        assertEquals(VOCAB, ((Number) Json.parseObject(Files.readString(hf.resolve(HuggingFaceGpt2.CONFIG)))
                .get("vocab_size")).intValue());

        Map<String, String> checkpoints = checkpointFiles(out);
        assertBad(run(train(out, corpus.toString(), "--rounds", "3", "--resume")), "resume with the same tokenizer");
        assertEquals(checkpoints, checkpointFiles(out), "the checkpoints are untouched");
        assertEquals(0, run(train(out, corpus.toString(), "--tokenizer", tokenizerDir.toString(), "--rounds", "3",
                "--resume")).status());
    }

    /** Every file under the run's checkpoints, by path, with its SHA-256. */
    private static Map<String, String> checkpointFiles(Path run) throws Exception {
        Map<String, String> out = new HashMap<>();
        try (var files = Files.walk(run.resolve("checkpoints"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                out.put(run.relativize(f).toString(), HadoopFiles.sha256(Files.readAllBytes(f)));
            }
        }
        return out;
    }
}
