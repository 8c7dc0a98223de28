/**
 * Spark plumbing: the workers as Spark partitions (broadcast, treeAggregate, cancellable job per
 * round, scheduling each worker where its state lives), the session's settings, and resource checks.
 */
package diloco.spark;
