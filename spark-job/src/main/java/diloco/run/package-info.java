/**
 * A whole run on Spark: {@link diloco.run.DiLoCoTrainer} assembles data, workers, resume and the
 * loop, and attaches the listeners that write its files (metrics, charts, model), its progress
 * lines and its checkpoints. Entry points differ only in the listeners and log they add.
 */
package diloco.run;
