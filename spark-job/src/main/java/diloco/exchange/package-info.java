/**
 * What the driver and the workers exchange each round, apart from θ itself: the round's plan
 * (driver → workers: who takes part, from which state, whose Δ is lost), and each worker's update
 * (workers → driver: its encoded Δ and a report of what it did, where its state came from). Both
 * sides import this package; neither imports the other.
 */
package diloco.exchange;
