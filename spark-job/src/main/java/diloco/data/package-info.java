/**
 * Documents to shards: reading any Hadoop path or a DataFrame, the validation split, sharding
 * documents to workers ({@link diloco.data.DataSettings}), and each worker's batches
 * ({@link diloco.data.BatchSource}), drawn deterministically from (seed, worker, step).
 */
package diloco.data;
