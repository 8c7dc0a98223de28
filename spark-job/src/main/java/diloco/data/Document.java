package diloco.data;

import diloco.tokenize.Tokenizer;

import java.io.Serializable;

/**
 * One training document.
 *
 * @param id     a stable id: its path relative to the data root, the id column, or a hash of its text
 * @param tokens its tokens
 * @param bytes  the length of its text in bytes (bits per byte compare tokenizers by it)
 */
public record Document(String id, Tokens tokens, long bytes) implements Serializable {

    /** A document as read: its tokens are its bytes. */
    public Document(String id, byte[] text) {
        this(id, Tokens.ofBytes(text), text.length);
    }

    /** The same document in {@code tokenizer}'s tokens (read documents are bytes; the byte tokenizer keeps them). */
    public Document tokenized(Tokenizer tokenizer) {
        return tokenizer.isBytes() ? this : new Document(id, Tokens.ofIds(tokenizer.encode(tokens.bytes())), bytes);
    }
}
