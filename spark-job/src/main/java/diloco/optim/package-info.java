/**
 * The optimizers and their settings: AdamW on each worker (state we own), and the outer optimizers
 * on the driver with their learning-rate schedules.
 */
package diloco.optim;
