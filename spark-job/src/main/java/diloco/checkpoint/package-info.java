/**
 * Checkpoints (a manifest written last, verified on load), resume rules, and the disk tier of the
 * workers' states ({@link diloco.checkpoint.KeptStates}).
 */
package diloco.checkpoint;
