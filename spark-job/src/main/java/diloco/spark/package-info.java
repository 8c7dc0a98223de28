/**
 * Spark plumbing: the workers as Spark partitions ({@link diloco.spark.SparkWorkerPool}: broadcast,
 * treeAggregate in a fixed order, a cancellable job per round, each worker scheduled where its state
 * lives), one worker's task ({@link diloco.spark.WorkerTask}: attempts, state, Δ and its guard,
 * encoding, report), what Spark says about a task's resources, the session's settings, and resource
 * checks.
 */
package diloco.spark;
