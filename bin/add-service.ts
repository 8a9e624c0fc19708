import pc from 'picocolors';
import { UserInputError } from '../generators/shared/choices.js';
import { TEMPLATE_VERSION } from '../generators/shared/paths.js';
import { validateServiceName } from '../generators/shared/names.js';
import { serviceCollision } from '../generators/shared/service-collisions.js';
import { planAddService } from '../generators/engine/add-service.js';
import { applyPlan } from '../generators/engine/apply.js';
import { unifiedDiff } from '../generators/engine/diff.js';
import { changesFiles, type FilePlan } from '../generators/engine/plan.js';
import { assertCleanWorkingTree, assertSameTemplateVersion, findRepository } from '../generators/engine/repository.js';
import { writeLocalEnvFiles } from '../generators/workspace/local-env.js';
import { onlyValue, parseStrict } from './args.js';
import { installCommand } from './package-manager.js';
import { HELP } from './startup-backend.js';

const ADD_FLAGS = {
  string: ['rpc'],
  boolean: ['dry-run', 'allow-dirty', 'install', 'yes', 'help'],
  aliases: { yes: ['y'], help: ['h'] },
  defaults: { install: true },
};

/** `startup-backend add service <name>`: plan in memory, write in one step, then install. */
export async function addCommand(argv: readonly string[]): Promise<void> {
  const args = parseStrict(argv, ADD_FLAGS);
  if (args.help) return void process.stdout.write(HELP);
  const [what, given, ...extra] = args._.map(String);
  if (what !== 'service') {
    throw new UserInputError(`Unknown thing to add "${what ?? ''}": the command is \`startup-backend add service <name>\`.`);
  }
  if (extra.length > 0) throw new UserInputError(`Expected one service name, got ${1 + extra.length} (${[given, ...extra].join(', ')}).`);
  const repository = findRepository(process.cwd());
  const { root, answers } = repository;
  // Everything that does not depend on the name is checked before it is asked.
  assertSameTemplateVersion(answers.templateVersion, TEMPLATE_VERSION, `add service ${given ?? '<name>'}`);
  const rpc = onlyValue('rpc', args.rpc);
  if (rpc !== undefined && rpc !== answers.rpc) {
    throw new UserInputError(
      rpc === 'grpc' || rpc === 'thrift'
        ? `--rpc ${rpc}: this repository's services use ${answers.rpc}, and this release adds services of the repository's framework only. Leave out --rpc.`
        : `Unknown --rpc value "${rpc}". Valid values: grpc, thrift.`,
    );
  }
  if (!args.dryRun && !args.allowDirty) assertCleanWorkingTree(root);
  // Asked on a terminal: a name that cannot be added is asked again, with the reason.
  const name = given ?? (await askName(Boolean(args.yes), (candidate) => validateServiceName(candidate) ?? serviceCollision(candidate, answers.services)));

  const { lockfileOptions } = await import('./scaffolder-integrity.js');
  const { files } = planAddService(repository, name, await lockfileOptions(answers.packageManager, root));
  printPlan(files);
  if (args.dryRun) {
    process.stdout.write(`\n${unifiedDiff(files, { color: pc.isColorSupported })}\nDry run: nothing was written.\n`);
    return;
  }
  applyAtOnce(root, files);
  const env = writeLocalEnvFiles(root, files.filter((file) => changesFiles(file) && file.content).map((file) => file.path));
  for (const { file, keys } of env.appended) process.stdout.write(`${pc.cyan('ENV')}      ${file}: added ${keys.join(', ')}\n`);

  const conflicts = files.filter((file) => file.action === 'conflict').map((file) => file.path);
  if (conflicts.length > 0) {
    process.stderr.write(
      `\n${pc.red('error')} ${conflicts.length} file${conflicts.length > 1 ? 's have' : ' has'} conflicts (${conflicts.join(', ')}): resolve the <<<<<<< markers, then run ${installCommand(answers.packageManager)}. See "Adding a service" in README.md.\n`,
    );
    process.exitCode = 1;
    return;
  }
  if (args.install) {
    const { InstallFailedError, installDependencies } = await import('./tasks.js');
    try {
      await installDependencies(root, answers.packageManager, new AbortController().signal);
    } catch (error) {
      if (!(error instanceof InstallFailedError)) throw error;
      process.stderr.write(`${pc.red('error')} ${error.message}. The service's files are written: fix the error above, then run ${installCommand(answers.packageManager)}.\n`);
      process.exitCode = 1;
      return;
    }
  }
  process.stdout.write(`\n${pc.green('✔')} Added service ${pc.bold(name)} (services/${name}). Review with git diff, then commit.\n`);
}

async function askName(yes: boolean, validate: (name: string) => string | undefined): Promise<string> {
  if (yes || !process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UserInputError('Missing the service name: startup-backend add service <name>, e.g. startup-backend add service payments.');
  }
  const { askText } = await import('./ask.js');
  return askText('name', '', validate, 'service');
}

const LABELS: Record<FilePlan['action'], string> = {
  created: pc.green('CREATE  '),
  updated: pc.blue('UPDATE  '),
  removed: pc.red('DELETE  '),
  merged: pc.magenta('MERGE   '),
  conflict: pc.red('CONFLICT'),
  kept: pc.yellow('KEEP    '),
  unchanged: '',
};

function printPlan(files: readonly FilePlan[]): void {
  for (const file of files) {
    if (file.action === 'unchanged') continue;
    process.stdout.write(`${LABELS[file.action]} ${file.path}${file.reason ? ` (${file.reason})` : ''}\n`);
  }
}

/** SIGINT and SIGTERM wait for the write to finish (it is synchronous and short) instead of cutting it. */
function applyAtOnce(root: string, files: readonly FilePlan[]): void {
  let received: NodeJS.Signals | undefined;
  const hold = (signal: NodeJS.Signals) => (received = signal);
  process.on('SIGINT', hold);
  process.on('SIGTERM', hold);
  try {
    applyPlan(root, files);
  } finally {
    process.off('SIGINT', hold);
    process.off('SIGTERM', hold);
  }
  if (received) process.kill(process.pid, received);
}
