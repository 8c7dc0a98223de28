package diloco.tokenize;

import diloco.io.Json;
import diloco.io.Records;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tokenizer.json} of a byte-level BPE tokenizer, as the Rust tokenizers library (and so
 * {@code transformers} and DJL) reads it: every field it requires is present. The records are the
 * file's definition (components in snake_case, see {@link Records}).
 */
public final class TokenizerJson {
    private TokenizerJson() {}

    /** The ByteLevel pre-tokenizer and decoder of tokenizers. */
    record ByteLevel(String type, boolean addPrefixSpace, boolean trimOffsets, boolean useRegex) {}

    /** The BPE model of tokenizers: a vocabulary (symbol → id) and merges ("left right", by rank). */
    record Bpe(String type, Double dropout, String unkToken, String continuingSubwordPrefix, String endOfWordSuffix,
            boolean fuseUnk, boolean byteFallback, Map<String, Integer> vocab, List<String> merges) {}

    /** The whole file. */
    record File(String version, Object truncation, Object padding, List<Object> addedTokens, Object normalizer,
            ByteLevel preTokenizer, Object postProcessor, ByteLevel decoder, Bpe model) {}

    /**
     * Byte-level BPE with GPT-2's pre-tokenizer: ids 0..255 are the bytes (as their {@link ByteSymbols}),
     * merge i makes id 256 + i. No merges: the byte tokenizer, each byte its own token.
     */
    public static byte[] byteLevelBpe(List<BpeTrainer.Merge> merges) {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        String[] spelled = new String[256 + merges.size()];
        for (int b = 0; b < 256; b++) {
            spelled[b] = ByteSymbols.of(b);
            vocab.put(spelled[b], b);
        }
        String[] rules = new String[merges.size()];
        for (int i = 0; i < merges.size(); i++) {
            BpeTrainer.Merge m = merges.get(i);
            if (m.id() != 256 + i) {
                throw new IllegalArgumentException("merge " + i + " makes id " + m.id() + ", expected " + (256 + i));
            }
            spelled[m.id()] = spelled[m.left()] + spelled[m.right()];
            vocab.put(spelled[m.id()], m.id());
            rules[i] = spelled[m.left()] + " " + spelled[m.right()];
        }
        ByteLevel byteLevel = new ByteLevel("ByteLevel", false, true, true);
        File file = new File("1.0", null, null, List.of(), null, byteLevel, null, byteLevel,
                new Bpe("BPE", null, null, null, null, false, false, vocab, List.of(rules)));
        return Json.pretty(Records.toJson(file)).getBytes(StandardCharsets.UTF_8);
    }
}
