import pc from 'picocolors';
import { checkChoice, type RpcFramework, UserInputError } from '../generators/shared/choices.js';
import { TEMPLATE_VERSION } from '../generators/shared/paths.js';
import { validateServiceName } from '../generators/shared/names.js';
import { serviceCollision } from '../generators/shared/service-collisions.js';
import { planAddService } from '../generators/engine/add-service.js';
import { assertCleanWorkingTree, assertSameTemplateVersion, findRepository } from '../generators/engine/repository.js';
import { onlyValue, parseStrict } from './args.js';
import { HELP } from './startup-backend.js';
import { writePlan } from './write-plan.js';

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
  const givenRpc = onlyValue('rpc', args.rpc);
  const rpc = givenRpc === undefined ? undefined : (checkChoice('rpc', givenRpc) as RpcFramework);
  if (!args.dryRun && !args.allowDirty) assertCleanWorkingTree(root);
  // Asked on a terminal: a name that cannot be added is asked again, with the reason.
  const name = given ?? (await askName(Boolean(args.yes), (candidate) => validateServiceName(candidate) ?? serviceCollision(candidate, answers.services)));

  const { lockfileOptions } = await import('./scaffolder-integrity.js');
  const { files } = planAddService(repository, { name, rpc }, await lockfileOptions(answers.packageManager, root));
  const written = await writePlan(root, files, {
    dryRun: Boolean(args.dryRun),
    install: Boolean(args.install),
    packageManager: answers.packageManager,
    conflictExitCode: 1,
    conflictHint: 'See "Adding a service" in README.md.',
  });
  if (written) process.stdout.write(`\n${pc.green('✔')} Added service ${pc.bold(name)} (services/${name}). Review with git diff, then commit.\n`);
}

async function askName(yes: boolean, validate: (name: string) => string | undefined): Promise<string> {
  if (yes || !process.stdin.isTTY || !process.stdout.isTTY) {
    throw new UserInputError('Missing the service name: startup-backend add service <name>, e.g. startup-backend add service payments.');
  }
  const { askText } = await import('./ask.js');
  return askText('name', '', validate, 'service');
}
