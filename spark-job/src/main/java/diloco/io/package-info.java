/**
 * Files: atomic whole-file writes through the Hadoop FileSystem API, safetensors, JSON, records as
 * JSON, and a run's output directory.
 */
package diloco.io;
