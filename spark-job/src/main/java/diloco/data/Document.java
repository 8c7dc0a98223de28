package diloco.data;

import java.io.Serializable;

/**
 * One training document.
 *
 * @param id     a stable id: its path relative to the data root, the id column, or a hash of its text
 * @param tokens its tokens
 */
public record Document(String id, Tokens tokens) implements Serializable {
}
