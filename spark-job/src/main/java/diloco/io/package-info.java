/**
 * Files: atomic whole-file writes through the Hadoop FileSystem API, safetensors, JSON, records as
 * JSON ({@link diloco.io.Records}), and a model as a Hugging Face GPT-2 directory
 * ({@link diloco.io.HuggingFaceGpt2}).
 */
package diloco.io;
