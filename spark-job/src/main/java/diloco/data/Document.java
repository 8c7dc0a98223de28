package diloco.data;

import java.io.Serializable;

/**
 * One training document: a stable id (its path relative to the data root, or the id column) and
 * its tokens.
 */
public final class Document implements Serializable {
    private static final long serialVersionUID = 1L;

    public final String id;
    public final Tokens tokens;

    public Document(String id, Tokens tokens) {
        this.id = id;
        this.tokens = tokens;
    }
}
