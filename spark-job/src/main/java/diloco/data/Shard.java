package diloco.data;

import java.io.Serializable;

/**
 * One worker's training data: its documents, sorted by id, concatenated into one token stream
 * (windows may cross document boundaries, as in nanoGPT; documents shorter than the context are
 * therefore usable).
 *
 * @param worker    the worker it belongs to (= its Spark partition)
 * @param documents how many documents it holds
 * @param tokens    their tokens, concatenated
 */
public record Shard(int worker, int documents, Tokens tokens) implements Serializable {
}
