/** The paper-reproduction suites: configurations of the same loop, run and reported together. */
package diloco.experiments;
