package diloco.tokenize;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GPT-2's pre-tokenizer: text cut into the pieces that merges never cross (contractions, runs of
 * letters or digits or other symbols with an optional leading space, whitespace), by the pattern
 * the Rust ByteLevel pre-tokenizer uses, with Unicode classes ({@code \s} included, as in Rust).
 * Training counts these pieces; encoding is left to the Rust library.
 */
public final class Gpt2Pieces {
    static final Pattern PATTERN = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private Gpt2Pieces() {}

    /**
     * Each piece of {@code text}, as the bytes it spells in {@link ByteSymbols} (a string key for
     * counting). Invalid UTF-8 bytes are left out: they become single-byte tokens, never merged.
     */
    public static void each(byte[] text, Consumer<String> piece) {
        Utf8Runs.scan(text, new Utf8Runs.Visitor() {
            @Override
            public void text(int from, int to) {
                Matcher m = PATTERN.matcher(new String(text, from, to - from, StandardCharsets.UTF_8));
                while (m.find()) {
                    byte[] bytes = m.group().getBytes(StandardCharsets.UTF_8);
                    piece.accept(ByteSymbols.spell(bytes, 0, bytes.length));
                }
            }

            @Override
            public void invalidByte(int at) {
            }
        });
    }
}
