package diloco.tokenize;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Text (bytes) to token ids and back. Two kinds: the byte tokenizer ({@link #BYTES}, vocabulary
 * 256, id = byte) and any Hugging Face {@code tokenizer.json} ({@link JsonTokenizer}). A tokenizer
 * travels to executors whole (its file is small) and is identified by the SHA-256 of its
 * {@code tokenizer.json}, which runs record and resumes check.
 */
public interface Tokenizer extends Serializable {
    /** {@code --tokenizer bytes}: every byte its own token. */
    Tokenizer BYTES = new ByteTokenizer();

    /** {@code bytes}, or where its tokenizer.json was read from. */
    String name();

    /** Ids run from 0 to vocabSize - 1. */
    int vocabSize();

    /** The ids of {@code text}; any bytes, valid UTF-8 or not. */
    int[] encode(byte[] text);

    /** The bytes of {@code ids} (exact for byte-level tokenizers: decode(encode(t)) = t). */
    byte[] decode(int[] ids);

    /** Its tokenizer.json. */
    byte[] json();

    /** SHA-256 of {@link #json()}, hex. */
    String sha256();

    /** Whether this is the byte tokenizer (data then stays bytes, four times smaller than ids). */
    default boolean isBytes() {
        return false;
    }

    /** What run.json and checkpoints record of it. */
    default Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name());
        m.put("vocab_size", vocabSize());
        m.put("sha256", sha256());
        return m;
    }
}
