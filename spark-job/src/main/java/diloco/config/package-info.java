/**
 * What a run depends on: the table of every option ({@link diloco.config.Options}), the
 * configuration built from it ({@link diloco.config.TrainConfig}), the model shape, and the error
 * type for bad input ({@link diloco.option.UserError}).
 */
package diloco.config;
