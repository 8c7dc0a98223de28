/**
 * Documents to shards: reading any Hadoop path or a DataFrame, the validation split, sharding
 * documents to workers, and drawing batches deterministically from (seed, worker, step).
 */
package diloco.data;
