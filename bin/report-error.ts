import pc from 'picocolors';
import { UserInputError } from '../generators/shared/choices.js';

/**
 * How both bins end on an error: one line on stderr, exit status 1; the stack only under DEBUG, and
 * never for bad input, whose message already names the fix.
 */
export function reportError(error: unknown): void {
  process.stderr.write(`${pc.red('error')} ${(error as Error).message ?? String(error)}\n`);
  if (!(error instanceof UserInputError) && process.env.DEBUG) console.error(error);
  process.exitCode = 1;
}
