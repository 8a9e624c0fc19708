import path from 'node:path';
import pc from 'picocolors';
import { FsTree, flushChanges } from 'nx/src/generators/tree.js';
import { helpText, parseCreateArgs, type CreateArgs } from './args.js';
import { formatTargetDir, inspectTarget, projectNameOf, removeCreated, withProjectName, type TargetState } from './target-dir.js';
import { detectPackageManager, runScriptCommand } from './package-manager.js';
import {
  CHOICES, DEFAULT_SERVICE_NAME, UserInputError, checkChoice, type StackChoices,
} from '../generators/shared/choices.js';
import { nextService, type ProjectAnswers } from '../generators/shared/answers.js';
import { assertServiceName, toValidProjectName, validateProjectName, validateServiceName } from '../generators/shared/names.js';
import { TEMPLATE_VERSION } from '../generators/shared/paths.js';
import { stackManifests } from '../generators/shared/stack.js';
import { workspaceGenerator } from '../generators/workspace/generator.js';

const DEFAULT_DIRECTORY = 'my-app';

const requireDirectory = (value: string) => (formatTargetDir(value) ? undefined : 'Enter a directory');

/** Each answer: the flag if given, else the default under --yes, else a prompt on a TTY, else an error. */
async function resolveAnswers(args: CreateArgs, interactive: boolean) {
  const ask = interactive ? await import('./ask.js') : undefined;
  const missing: string[] = [];

  // 1. Target directory and project name.
  let directory = formatTargetDir(args.directory);
  if (args.directory !== undefined && !directory) throw new UserInputError(validateProjectName('')!);
  if (!directory) {
    if (args.yes) directory = DEFAULT_DIRECTORY;
    else if (ask) directory = formatTargetDir(await ask.askText('directory', DEFAULT_DIRECTORY, requireDirectory));
    else missing.push('[directory]');
  }
  const nameProblem = directory ? validateProjectName(projectNameOf(directory)) : undefined;
  if (nameProblem) {
    if (!ask) throw new UserInputError(nameProblem);
    const suggestion = toValidProjectName(projectNameOf(directory)) || DEFAULT_DIRECTORY;
    directory = withProjectName(directory, await ask.askText('directory', suggestion, validateProjectName));
  }
  const target = directory ? inspectTarget(directory) : undefined;

  // 2. Stack choices.
  const choices: Partial<StackChoices> = {};
  for (const { key, default: fallback } of CHOICES) {
    const given = args.choices[key];
    let value: string | undefined;
    if (given !== undefined) value = checkChoice(key, given);
    else if (args.yes) value = fallback;
    else if (ask) value = await ask.askChoice(key);
    if (value === undefined) missing.push(`--${key}`);
    else Object.assign(choices, { [key]: value });
  }

  // 3. First service.
  let service = args.service;
  if (service !== undefined) assertServiceName(service);
  else if (args.yes) service = DEFAULT_SERVICE_NAME;
  else if (ask) service = await ask.askText('service', DEFAULT_SERVICE_NAME, validateServiceName);
  else missing.push('--service');

  if (missing.length > 0 || !target || service === undefined) {
    throw new UserInputError(`Missing ${missing.join(', ')}: pass ${missing.length > 1 ? 'them' : 'it'} as arguments, or --yes to take the defaults.`);
  }
  const answers: ProjectAnswers = {
    templateVersion: TEMPLATE_VERSION,
    projectName: projectNameOf(directory),
    ...(choices as StackChoices),
    services: [nextService(service, [])],
  };
  return { directory, target, answers };
}

async function create(argv: readonly string[]): Promise<void> {
  const args = parseCreateArgs(argv);
  if (args.help) return void process.stdout.write(helpText('create-startup-backend'));
  if (args.version) return void process.stdout.write(`${TEMPLATE_VERSION}\n`);

  const interactive = !args.yes && Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const { directory, target, answers } = await resolveAnswers(args, interactive);

  // Everything is rendered in memory first: a bad template fails before the disk is touched.
  const tree = new FsTree(target.root, false);
  const writeLocalEnv = workspaceGenerator(tree, answers);
  const changes = tree.listChanges();

  if (args.dryRun) {
    for (const change of [...changes].sort((a, b) => a.path.localeCompare(b.path))) {
      process.stdout.write(`${pc.green('CREATE')} ${path.join(directory, change.path)}\n`);
    }
    process.stdout.write(`\n${changes.length} files. Dry run: nothing was written.\n`);
    return;
  }

  await withCleanupOnFailure(target, async () => {
    flushChanges(target.root, changes);
    await writeLocalEnv();
    const pm = detectPackageManager();
    const { installDependencies, initGitRepository } = await import('./tasks.js');
    if (args.install) await installDependencies(target.root, pm);
    const gitWarning = args.git ? await initGitRepository(target.root, TEMPLATE_VERSION) : undefined;
    if (gitWarning) process.stderr.write(`${pc.yellow('warning')} ${gitWarning}\n`);
    printNextSteps(directory, target.root, answers, pm, args.install);
  });
}

/** Ctrl-C or any failure after the first write removes what this run created. */
async function withCleanupOnFailure(target: TargetState, work: () => Promise<void>): Promise<void> {
  const onSignal = (signal: NodeJS.Signals) => {
    removeCreated(target);
    process.stderr.write(`\n${pc.red('✖')} Cancelled (${signal}): removed ${target.root}\n`);
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await work();
  } catch (error) {
    removeCreated(target);
    throw error;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function printNextSteps(directory: string, root: string, answers: ProjectAnswers, pm: ReturnType<typeof detectPackageManager>, installed: boolean) {
  const steps: string[] = [];
  if (root !== process.cwd()) steps.push(`cd ${directory.includes(' ') ? JSON.stringify(directory) : directory}`);
  if (!installed) steps.push(`${pm} install`);
  steps.push(`${runScriptCommand(pm, 'lint')} && ${runScriptCommand(pm, 'typecheck')} && ${pm} test`);
  const stack = `${answers.rpc} + ${answers.discovery} + ${answers.db} + ${answers.ci}`;
  const servers = stackManifests(answers);
  process.stdout.write(
    `\n${pc.green('✔')} Created ${pc.bold(answers.projectName)} (${stack}) with service ${pc.bold(answers.services[0]!.name)}.\n\nDone. Now run:\n\n${steps.map((s) => `  ${s}`).join('\n')}\n\n` +
      `Integration tests need ${servers.db.label} and ${servers.discovery.label}: see README.md, "Tests".\n`,
  );
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await create(argv);
  } catch (error) {
    const message = error instanceof UserInputError ? error.message : (error as Error).message ?? String(error);
    process.stderr.write(`${pc.red('error')} ${message}\n`);
    if (!(error instanceof UserInputError) && process.env.DEBUG) console.error(error);
    process.exitCode = 1;
  }
}
