/**
 * The GPT (one file, GPT-2 tensor names), its shape ({@link diloco.model.ModelConfig}), and the
 * layout of its flat parameter vector θ.
 */
package diloco.model;
