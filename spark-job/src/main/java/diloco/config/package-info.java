/**
 * What a run depends on: the table of every option ({@link diloco.config.Options}), the
 * configuration built from it ({@link diloco.config.TrainConfig}), which hands each component its
 * own typed settings, the options of the model commands, and what a resumed run may change
 * ({@link diloco.config.Resume}).
 */
package diloco.config;
