/**
 * Files: atomic whole-file writes through the Hadoop FileSystem API, safetensors, JSON, and records
 * as JSON ({@link diloco.io.Records}).
 */
package diloco.io;
