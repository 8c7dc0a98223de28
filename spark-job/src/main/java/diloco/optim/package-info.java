/** The optimizers: AdamW on each worker (state we own), and the outer optimizers on the driver. */
package diloco.optim;
