/**
 * How a knob is defined once ({@link diloco.option.Option}: key, type, default, documentation,
 * check, resume policy), and the error for bad input ({@link diloco.option.UserError}: one line,
 * exit status 2). Every package may use it; it uses none.
 */
package diloco.option;
