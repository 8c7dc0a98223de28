package diloco.data;

import java.io.Serializable;

/**
 * A worker's training tokens as one stream, wherever they live: in memory ({@link Tokens}) or in
 * the pieces of a prepared dataset ({@link PieceStream}), which may exceed 2^31 tokens and the heap.
 */
public interface TokenStream extends Serializable {

    /** Tokens in the stream. */
    long size();

    /** The token at {@code i} (0 ≤ i < size()). */
    int at(long i);
}
