/** The command-line entry points and their parser, derived from {@link diloco.config.Options}. */
package diloco.cli;
