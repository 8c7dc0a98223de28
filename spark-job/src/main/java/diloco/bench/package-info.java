/**
 * Benchmarks: entry points that measure, print a table and write JSON; never tests.
 * {@code Bench}: a worker's inner step against eager PyTorch and the matmul ceiling.
 * {@code RoundOverhead}: Spark's part of each round of a real run (task metrics, bytes, driver heap).
 */
package diloco.bench;
