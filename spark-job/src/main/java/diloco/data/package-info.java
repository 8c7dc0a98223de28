/**
 * Documents to shards: reading any Hadoop path or a DataFrame, the validation split, tokenizing
 * ({@link diloco.tokenize.Tokenizer}) and sharding documents to workers ({@link diloco.data.DataSettings}),
 * or streaming the pieces of a corpus tokenized once ({@link diloco.data.PreparedDataset}); each
 * worker's tokens ({@link diloco.data.TokenStream}) and batches ({@link diloco.data.BatchSource}),
 * drawn deterministically from (seed, worker, step).
 */
package diloco.data;
