package diloco.data;

import java.io.Serializable;

/**
 * One worker's training data: its documents, sorted by id, concatenated into one token stream
 * (windows may cross document boundaries, as in nanoGPT; documents shorter than the context are
 * therefore usable). In memory for raw data, streamed from its pieces for a prepared dataset.
 *
 * @param worker    the worker it belongs to (= its Spark partition)
 * @param documents how many documents it holds
 * @param tokens    their tokens, concatenated
 */
public record Shard(int worker, long documents, TokenStream tokens) implements Serializable {
}
