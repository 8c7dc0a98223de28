/** The GPT (one file, GPT-2 names and shapes) and the layout of its flat parameter vector θ. */
package diloco.model;
