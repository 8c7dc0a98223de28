package diloco.data;

import java.io.Serializable;

/**
 * One worker's training data: its documents, sorted by id, concatenated into one token stream
 * (windows may cross document boundaries, as in nanoGPT; documents shorter than the context are
 * therefore usable).
 */
public final class Shard implements Serializable {
    private static final long serialVersionUID = 1L;

    public final int worker;
    public final int documents;
    public final Tokens tokens;

    public Shard(int worker, int documents, Tokens tokens) {
        this.worker = worker;
        this.documents = documents;
        this.tokens = tokens;
    }
}
