package diloco.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import diloco.io.Json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * datasets/gpt2_tokenizer.py (what fetch-gpt2-tokenizer.sh runs on GPT-2's encoder.json and
 * vocab.bpe) on files of GPT-2's format written here: the Rust library loads the result and encodes
 * by its merges, worked by hand. (On GPT-2's real files, "Hello world" encodes as [15496, 995]:
 * README.)
 */
class Gpt2FilesTest {
    static final Path SCRIPT = Path.of("..", "datasets", "gpt2_tokenizer.py");

    @Test
    void gpt2sFilesBecomeATokenizerJson(@TempDir Path tmp) throws Exception {
        // GPT-2's layout: every byte symbol, then merged tokens, then <|endoftext|> last
        Map<String, Integer> encoder = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            encoder.put(ByteSymbols.of(b), b);
        }
        encoder.put("he", 256);
        encoder.put("hel", 257);
        encoder.put("Ġw", 258);
        encoder.put("<|endoftext|>", 259);
        Path enc = Files.writeString(tmp.resolve("encoder.json"), Json.line(encoder));
        Path bpe = Files.writeString(tmp.resolve("vocab.bpe"), "#version: 0.2\nh e\nhe l\nĠ w\n");
        Path out = tmp.resolve("tokenizer.json");
        assertEquals(0, python(enc, bpe, out));

        JsonTokenizer t = JsonTokenizer.of("gpt2-format", Files.readAllBytes(out));
        assertEquals(260, t.vocabSize());
        // "hello world": pieces "hello", " world"; h e -> he, he l -> hel: [hel, l, o]; Ġ w -> Ġw: [Ġw, o, r, l, d]
        assertArrayEquals(new int[] {257, 'l', 'o', 258, 'o', 'r', 'l', 'd'},
                t.encode("hello world".getBytes(StandardCharsets.UTF_8)));
        assertArrayEquals("hello world".getBytes(StandardCharsets.UTF_8), t.decode(new int[] {257, 'l', 'o', 258, 'o',
                'r', 'l', 'd'}));

        Path badBpe = Files.writeString(tmp.resolve("bad.bpe"), "#version: 0.2\nx y\n");
        assertNotEquals(0, python(enc, badBpe, tmp.resolve("bad.json")), "a merge outside the vocabulary is refused");
    }

    private static int python(Path encoder, Path bpe, Path out) throws Exception {
        Process p = new ProcessBuilder("python3", SCRIPT.toString(), encoder.toString(), bpe.toString(), out.toString())
                .redirectErrorStream(true).redirectOutput(new File(out + ".log")).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python3 did not finish");
        }
        return p.exitValue();
    }
}
