/**
 * Checkpoints of a run ({@link diloco.checkpoint.Checkpoints}: a manifest written last, verified on
 * load) and when they are written ({@link diloco.checkpoint.CheckpointSettings}).
 */
package diloco.checkpoint;
