/**
 * Text to tokens: the {@link diloco.tokenize.Tokenizer} a run trains with ({@code --tokenizer}):
 * bytes, or any Hugging Face {@code tokenizer.json} run by the Rust library through DJL; and
 * learning a byte-level BPE tokenizer ({@link diloco.tokenize.BpeTrainer}: merges from counted
 * words, {@link diloco.tokenize.Gpt2Pieces}: GPT-2's pre-tokenizer, {@link diloco.tokenize.TokenizerJson}:
 * the file). Spark-free.
 */
package diloco.tokenize;
