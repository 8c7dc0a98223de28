/**
 * DiLoCo in Spark ML: the Estimator ({@link diloco.ml.DiLoCo}, which trains on a DataFrame's
 * documents as the command line does) and its Model ({@link diloco.ml.DiLoCoModel}: perplexity,
 * generation, the training history, save and load); Params made from the option table, with their
 * typed methods generated into {@link diloco.ml.DiLoCoParams} by {@link diloco.ml.ParamsSource};
 * and records as DataFrames (a run's metrics as {@code summary()}).
 */
package diloco.ml;
