import { constants as osConstants } from 'node:os';
import path from 'node:path';
import pc from 'picocolors';
import { CHILD_EXIT_TIMEOUT_MS, cancelledAfterFailure } from './abort.js';
import type { CreateArgs } from './args.js';
import {
  formatTargetDir, inspectTarget, projectNameOf, projectNameProblem, removeCreated, withProjectName, type TargetState,
} from './target-dir.js';
import { installCommand, resolvePackageManager, runScriptCommand } from './package-manager.js';
import { flushChanges } from './flush-changes.js';
import { reportError } from './report-error.js';
import {
  CHOICES, DEFAULT_SERVICE_NAME, UserInputError, checkChoice, type StackChoices,
} from '../generators/shared/choices.js';
import { nextService, type ProjectAnswers } from '../generators/shared/answers.js';
import type { PackageManager } from '../generators/shared/package-managers.js';
import { assertServiceName, toValidProjectName, validateProjectName, validateServiceName } from '../generators/shared/names.js';
import { MemoryTree } from '../generators/engine/memory-tree.js';
import { TEMPLATE_VERSION } from '../generators/shared/paths.js';
import { stackManifests } from '../generators/shared/stack.js';

const DEFAULT_DIRECTORY = 'my-app';

const requireDirectory = (value: string) => (formatTargetDir(value) ? undefined : 'Enter a directory');

/** Each answer: the flag if given, else the default under --yes, else a prompt on a TTY, else an error. */
async function resolveAnswers(args: CreateArgs, interactive: boolean, packageManager: PackageManager) {
  const ask = interactive ? await import('./ask.js') : undefined;
  const missing: string[] = [];

  // 1. Target directory and project name: refused, or asked again, never rewritten.
  let directory = formatTargetDir(args.directory);
  if (args.directory !== undefined && !directory) throw new UserInputError(validateProjectName('')!);
  if (!directory) {
    if (args.yes) directory = DEFAULT_DIRECTORY;
    else if (ask) directory = formatTargetDir(await ask.askText('directory', DEFAULT_DIRECTORY, requireDirectory));
    else missing.push('[directory]');
  }
  const nameProblem = directory ? projectNameProblem(directory) : undefined;
  if (nameProblem) {
    if (!ask) throw new UserInputError(nameProblem);
    // A valid name is only offered as the question's default: the user confirms or types another.
    const suggestion = toValidProjectName(projectNameOf(directory)) || DEFAULT_DIRECTORY;
    directory = withProjectName(directory, await ask.askText('directory', suggestion, validateProjectName));
  }
  // Checked now so that a bad target fails before the other questions.
  if (directory) inspectTarget(directory);

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

  if (missing.length > 0 || !directory || service === undefined) {
    throw new UserInputError(`Missing ${missing.join(', ')}: pass ${missing.length > 1 ? 'them' : 'it'} as arguments, or --yes to take the defaults.`);
  }
  const answers: ProjectAnswers = {
    templateVersion: TEMPLATE_VERSION,
    projectName: projectNameOf(directory),
    ...(choices as StackChoices),
    packageManager,
    services: [nextService(service, [])],
  };
  return { directory, answers };
}

/**
 * `create-startup-backend` once its arguments are parsed, and neither --help nor --version. Reports its own
 * errors: the bundled entry that parsed the arguments has copies of the error classes, not these.
 */
export async function runCreate(args: CreateArgs): Promise<void> {
  try {
    await create(args);
  } catch (error) {
    reportError(error);
  }
}

async function create(args: CreateArgs): Promise<void> {
  // Before any question: yarn and bun are refused up front.
  const packageManager = resolvePackageManager(args.packageManager);

  const interactive = !args.yes && Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const { directory, answers } = await resolveAnswers(args, interactive, packageManager);
  // Again, right before writing: the questions may have taken a while.
  const target = inspectTarget(directory);

  // Everything is rendered in memory first: a bad template fails before the disk is touched. The target is
  // empty (inspectTarget): nothing under it for the tree to read, so no disk look-up at each write either.
  const tree = new MemoryTree(target.root);
  // Loaded here, not at start: --help and --version render nothing.
  const [{ workspaceGenerator }, { lockfileOptions }] = await Promise.all([import('../generators/workspace/generator.js'), import('./scaffolder-integrity.js')]);
  const writeLocalEnv = workspaceGenerator(tree, answers, await lockfileOptions(packageManager));
  const changes = tree.listChanges();

  if (args.dryRun) {
    for (const change of [...changes].sort((a, b) => a.path.localeCompare(b.path))) {
      process.stdout.write(`${pc.green('CREATE')} ${path.join(directory, change.path)}\n`);
    }
    process.stdout.write(`\n${changes.length} files. Dry run: nothing was written.\n`);
    return;
  }

  await withCleanup(directory, target, async (signal) => {
    await flushChanges(target.root, changes);
    await writeLocalEnv();
    const { InstallFailedError, installDependencies, initGitRepository } = await import('./tasks.js');
    if (args.install) {
      try {
        await installDependencies(target.root, packageManager, signal);
      } catch (error) {
        if (!(error instanceof InstallFailedError)) throw error;
        // The files are fine and stay: only the install is to be run again.
        const retry = [cdStep(directory, target.root), installCommand(packageManager)].filter(Boolean).join(' && ');
        process.stderr.write(
          `${pc.red('error')} ${error.message}. The generated files are kept (git init was skipped): fix the error above, then run: ${retry}\n`,
        );
        process.exitCode = 1;
        return;
      }
    }
    const gitWarning = args.git ? await initGitRepository(target.root, TEMPLATE_VERSION, signal) : undefined;
    signal.throwIfAborted();
    if (gitWarning) process.stderr.write(`${pc.yellow('warning')} ${gitWarning}\n`);
    printNextSteps(directory, target.root, answers, packageManager, args.install);
  });
}

/**
 * Runs the steps that write. Ctrl-C or SIGTERM stops the running child (git, the package manager),
 * waits for it, removes what this run created, and exits 130 or 143; any other failure removes it
 * too and is rethrown. Only a failed install keeps the files (it handles that itself).
 */
async function withCleanup(directory: string, target: TargetState, work: (signal: AbortSignal) => Promise<void>): Promise<void> {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  let giveUpWaiting: () => void = () => {};
  const childGone = new Promise<void>((resolve) => (giveUpWaiting = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C does not cut the cleanup short.
    if (received) return;
    received = signal;
    controller.abort(new Error(`Cancelled (${signal})`));
    setTimeout(giveUpWaiting, CHILD_EXIT_TIMEOUT_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    // Settles once the step under way has stopped (its child has exited), or at the timeout.
    let stopped = false;
    const failure = await Promise.race([
      work(controller.signal).then(() => undefined, (error: unknown) => ({ error })).finally(() => (stopped = true)),
      childGone.then(() => undefined),
    ]);
    if (failure && !(await cancelledAfterFailure(controller.signal))) {
      removeCreated(target);
      throw failure.error;
    }
    if (received) {
      removeCreated(target);
      process.stderr.write(`\n${pc.red('✖')} Cancelled (${received}): removed what this run created in ${directory}\n`);
      process.exitCode = 128 + osConstants.signals[received];
      // Something the child started still holds its output open: do not wait for it.
      if (!stopped) process.exit();
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `cd <directory>`, unless the project is the current directory. */
function cdStep(directory: string, root: string): string | undefined {
  if (root === process.cwd()) return undefined;
  return `cd ${directory.includes(' ') ? JSON.stringify(directory) : directory}`;
}

function printNextSteps(directory: string, root: string, answers: ProjectAnswers, pm: PackageManager, installed: boolean) {
  const steps: string[] = [];
  const cd = cdStep(directory, root);
  if (cd) steps.push(cd);
  if (!installed) steps.push(installCommand(pm));
  steps.push(['lint', 'typecheck', 'test'].map((script) => runScriptCommand(pm, script)).join(' && '));
  const stack = `${answers.rpc} + ${answers.discovery} + ${answers.db} + ${answers.ci}`;
  const servers = stackManifests(answers);
  process.stdout.write(
    `\n${pc.green('✔')} Created ${pc.bold(answers.projectName)} (${stack}) with service ${pc.bold(answers.services[0]!.name)}.\n\nDone. Now run:\n\n${steps.map((s) => `  ${s}`).join('\n')}\n\n` +
      `Integration tests need ${servers.db.label} and ${servers.discovery.label}: see README.md, "Tests".\n`,
  );
}
