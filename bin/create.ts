import { helpText, parseCreateArgs } from './args.js';
import { reportError } from './report-error.js';
import { TEMPLATE_VERSION } from '../generators/shared/paths.js';

/**
 * `create-startup-backend [directory] [flags]`. Only the arguments are read before --help and --version
 * answer: the rest (the tree, the generators, the prompts) loads when there is something to create.
 * bin/bundle.mjs bundles this entry into one file of its own, so that --help loads one module.
 */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    const args = parseCreateArgs(argv);
    if (args.help) return void process.stdout.write(helpText('create-startup-backend'));
    if (args.version) return void process.stdout.write(`${TEMPLATE_VERSION}\n`);
    const { runCreate } = await import('./create-run.js');
    await runCreate(args);
  } catch (error) {
    reportError(error);
  }
}
