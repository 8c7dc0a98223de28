package diloco.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

import diloco.option.UserError;

import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Tokenizers against the Rust tokenizers library (through DJL), an implementation independent of
 * ours: it loads the tokenizer.json we write, and its ids and text round-trip every test document.
 */
class TokenizersTest {
    @TempDir
    static Path tmp;
    static JsonTokenizer bpe;
    static byte[] bpeJson;

    /** Documents that break careless tokenizers: invalid UTF-8, emoji, CJK, empty lines, nothing at all. */
    static final List<byte[]> DOCUMENTS = List.of(
            utf8("We the People of the United States, in Order to form a more perfect Union"),
            utf8("line one\n\n\nline four\r\n\ttabbed   spaced  \n"),
            utf8("emoji 😀👍🏽 and flags 🇺🇸; CJK 日本語のテキスト 中文 한국어"),
            utf8("it's they're we've I'm you'll he'd 1234567 3.14 $$$ ..."),
            new byte[] {'a', (byte) 0xff, 'b', (byte) 0xc3, ' ', (byte) 0xe2, (byte) 0x82, 'c', (byte) 0x80},
            new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80, 'x', (byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            utf8(""),
            utf8("\n"),
            utf8(" "));

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @BeforeAll
    static void learn() {
        Map<String, Long> counts = new HashMap<>();
        for (String text : List.of("the cat sat on the mat, the cat ate the rat.", "We the People of the United States",
                "naïve café 日本語 日本 emoji 😀😀😀")) {
            for (int i = 0; i < 5; i++) {
                Gpt2Pieces.each(utf8(text), p -> counts.merge(p, 1L, Long::sum));
            }
        }
        List<BpeTrainer.Word> words = new ArrayList<>();
        counts.forEach((p, n) -> words.add(new BpeTrainer.Word(ByteSymbols.bytes(p), n)));
        List<BpeTrainer.Merge> merges = BpeTrainer.train(words, 60, (d, m) -> { });
        bpeJson = TokenizerJson.byteLevelBpe(merges);
        bpe = JsonTokenizer.of("test", bpeJson);
    }

    @Test
    void everyDocumentRoundTripsByteExactly() {
        for (Tokenizer t : List.of(bpe, Tokenizer.BYTES, JsonTokenizer.of("bytes.json", Tokenizer.BYTES.json()))) {
            for (byte[] doc : DOCUMENTS) {
                int[] ids = t.encode(doc);
                assertArrayEquals(doc, t.decode(ids), t.name() + ": " + new String(doc, StandardCharsets.UTF_8));
                for (int id : ids) {
                    assertTrue(id >= 0 && id < t.vocabSize(), "id " + id + " in the vocabulary");
                }
            }
        }
    }

    /** The merges shorten text: the learned tokenizer uses fewer tokens than bytes on its own training text. */
    @Test
    void mergesShortenTheText() {
        byte[] text = utf8("the cat sat on the mat");
        int[] ids = bpe.encode(text);
        assertTrue(ids.length < text.length / 2, ids.length + " tokens for " + text.length + " bytes");
        assertEquals(256 + 60, bpe.vocabSize());
    }

    /** Rust's own decoder (not ours) gives the text back from the ids of valid UTF-8 documents. */
    @Test
    void theRustDecoderAgrees() throws Exception {
        try (HuggingFaceTokenizer rust = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(bpeJson),
                Map.of("addSpecialTokens", "false"))) {
            for (byte[] doc : DOCUMENTS) {
                if (validUtf8(doc)) {
                    String text = new String(doc, StandardCharsets.UTF_8);
                    long[] ids = rust.encode(text, false, false).getIds();
                    assertEquals(text, rust.decode(ids, false), text);
                    int[] ours = bpe.encode(doc);
                    assertEquals(ids.length, ours.length, text);
                    for (int i = 0; i < ids.length; i++) {
                        assertEquals(ids[i], ours[i], text);
                    }
                }
            }
        }
    }

    /** The byte tokenizer's file, in Rust, gives each byte its own id: the identity on valid text. */
    @Test
    void theByteTokenizersFileIsTheIdentityInRust() {
        JsonTokenizer viaRust = JsonTokenizer.of("bytes.json", Tokenizer.BYTES.json());
        assertEquals(256, viaRust.vocabSize());
        SplittableRandom rng = new SplittableRandom(3);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            sb.appendCodePoint(rng.nextInt(4) == 0 ? 0x4e00 + rng.nextInt(500) : 32 + rng.nextInt(95));
        }
        byte[] text = utf8(sb.toString());
        assertArrayEquals(Tokenizer.BYTES.encode(text), viaRust.encode(text));
        assertEquals(Tokenizer.BYTES.sha256(), viaRust.sha256());
    }

    /**
     * GPT-2's pre-tokenizer, worked by hand: contractions split off, a space stays with the word after
     * it, of two spaces before a word the first stands alone, a trailing newline is its own piece,
     * and invalid bytes are left out. Spelled in GPT-2's symbols (space Ġ, newline Ċ).
     */
    @Test
    void gpt2PiecesAreThePatternsPieces() {
        List<String> pieces = new ArrayList<>();
        byte[] text = utf8("it's a test  123 ok!\n");
        Gpt2Pieces.each(text, pieces::add);
        assertEquals(List.of("it", "'s", "Ġa", "Ġtest", "Ġ", "Ġ123", "Ġok", "!", "Ċ"), pieces);
        pieces.clear();
        Gpt2Pieces.each(new byte[] {'a', 'b', (byte) 0xff, 'c'}, pieces::add);
        assertEquals(List.of("ab", "c"), pieces);
        pieces.clear();
        // U+00A0 is whitespace to Rust's \s: each stands alone (as symbols would be one piece "\u00a0\u00a0")
        Gpt2Pieces.each(utf8("日本\u00a0\u00a0x"), pieces::add);
        assertEquals(4, pieces.size(), pieces.toString());
    }

    @Test
    void aTokenizerTravelsWhole() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (ObjectOutputStream o = new ObjectOutputStream(buf)) {
            o.writeObject(bpe);
            o.writeObject(Tokenizer.BYTES);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(buf.toByteArray()))) {
            Tokenizer copy = (Tokenizer) in.readObject();
            assertArrayEquals(bpe.encode(DOCUMENTS.get(0)), copy.encode(DOCUMENTS.get(0)));
            assertEquals(bpe.sha256(), copy.sha256());
            assertTrue(in.readObject() == Tokenizer.BYTES, "one byte tokenizer per JVM");
        }
    }

    @Test
    void loadFindsAFileOrADirectoryAndRefusesBadOnesInOneLine() throws Exception {
        Configuration conf = new Configuration();
        assertTrue(Tokenizers.load(conf, "bytes") == Tokenizer.BYTES);
        Path dir = Files.createDirectories(tmp.resolve("tok"));
        Files.write(dir.resolve(Tokenizers.FILE), bpeJson);
        assertEquals(bpe.sha256(), Tokenizers.load(conf, dir.toString()).sha256());
        assertEquals(bpe.sha256(), Tokenizers.load(conf, dir.resolve(Tokenizers.FILE).toString()).sha256());

        assertBad(conf, tmp.resolve("missing").toString(), "does not exist");
        assertBad(conf, Files.createDirectories(tmp.resolve("empty")).toString(), "is a directory without tokenizer.json");
        assertBad(conf, Files.writeString(tmp.resolve("text.json"), "not json").toString(), "is not JSON");
        assertBad(conf, Files.writeString(tmp.resolve("nomodel.json"), "{\"version\": \"1.0\"}").toString(),
                "has no \"model\"");
        String unknown = "{\"model\": {\"type\": \"Nonsense\", \"vocab\": {\"a\": 0, \"b\": 1}}}";
        assertBad(conf, Files.writeString(tmp.resolve("unknown.json"), unknown).toString(), "cannot be loaded");
        assertBad(conf, "", "--tokenizer is empty");
    }

    private static void assertBad(Configuration conf, String spec, String expected) {
        UserError e = assertThrows(UserError.class, () -> Tokenizers.load(conf, spec));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }

    private static boolean validUtf8(byte[] b) {
        for (int i = 0; i < b.length; ) {
            int n = Utf8Runs.sequenceLength(b, i);
            if (n == 0) {
                return false;
            }
            i += n;
        }
        return true;
    }
}
