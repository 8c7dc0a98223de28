/** Benchmarks: entry points that measure and print a table and write JSON; never tests. */
package diloco.bench;
