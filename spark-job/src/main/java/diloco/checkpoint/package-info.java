/**
 * Checkpoints (a manifest written last, verified on load), resume rules, and the disk tier of the
 * workers' states ({@link diloco.state.KeptStates}).
 */
package diloco.checkpoint;
