/**
 * A whole run on Spark: {@link diloco.run.DiLoCoTrainer} assembles data, workers, resume and the
 * loop, with the plug-ins and listeners that write its files (metrics, charts, model: {@link
 * diloco.run.RunOutput}), its progress lines and its checkpoints; a trained model read back
 * ({@link diloco.run.SavedModel}). Entry points differ only in the listeners and log they add.
 */
package diloco.run;
