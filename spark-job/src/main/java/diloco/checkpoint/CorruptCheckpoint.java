package diloco.checkpoint;

import diloco.option.UserError;

/**
 * A checkpoint whose files do not match its manifest (missing, truncated, altered) or cannot be
 * read. Unlike a checkpoint that does not fit the request (another model shape, other data), an
 * older checkpoint may still be good: {@code --resume-if-present} falls back to it.
 */
public final class CorruptCheckpoint extends UserError {
    private static final long serialVersionUID = 1L;

    public CorruptCheckpoint(String message) {
        super(message);
    }
}
