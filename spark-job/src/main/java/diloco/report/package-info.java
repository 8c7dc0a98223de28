/** Charts: a suite's results, and the loss and time pictures each run draws of itself. */
package diloco.report;
