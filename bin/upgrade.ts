import pc from 'picocolors';
import { recordConflictsInIndex } from '../generators/engine/git-index.js';
import { releaseRenderer } from '../generators/engine/releases.js';
import { assertCleanWorkingTree, findRepository } from '../generators/engine/repository.js';
import { planUpgrade } from '../generators/engine/upgrade.js';
import { compareVersions } from '../generators/engine/versions.js';
import { UserInputError } from '../generators/shared/choices.js';
import { PACKAGE_ROOT, TEMPLATE_VERSION } from '../generators/shared/paths.js';
import { SCAFFOLDER } from '../generators/lockfile/scaffolder-package.js';
import { onlyValue, parseStrict } from './args.js';
import { fetchScaffolderMetadata } from './registry.js';
import { HELP } from './startup-backend.js';
import { writePlan } from './write-plan.js';

const UPGRADE_FLAGS = {
  string: ['to', 'set'],
  boolean: ['dry-run', 'check', 'allow-dirty', 'install', 'yes', 'help'],
  aliases: { yes: ['y'], help: ['h'] },
  defaults: { install: true },
};

const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

/** `startup-backend upgrade`: the repository moved to this release (or `--to`), the team's lines kept. */
export async function upgradeCommand(argv: readonly string[]): Promise<void> {
  const args = parseStrict(argv, UPGRADE_FLAGS);
  if (args.help) return void process.stdout.write(HELP);
  if (args._.length > 0) throw new UserInputError(`upgrade takes no arguments, got ${args._.join(' ')}: pass --to <version> for another release.`);
  const repository = findRepository(process.cwd());
  const { root, answers } = repository;
  const recorded = answers.templateVersion;
  if (args.check) return checkCommand(recorded);

  const given = onlyValue('to', args.to);
  const to = given ?? TEMPLATE_VERSION;
  if (!VERSION.test(to)) throw new UserInputError(`--to ${to} is not a version: pass one like ${TEMPLATE_VERSION}.`);
  if (compareVersions(to, recorded) < 0) {
    throw new UserInputError(
      given === undefined
        ? `This repository is at ${recorded}, newer than this ${SCAFFOLDER} ${to}: run npx --package ${SCAFFOLDER}@latest startup-backend upgrade.`
        : `This repository is at ${recorded}, newer than --to ${to}: upgrade never goes back (undo an upgrade with git).`,
    );
  }
  const settings = ([] as unknown[]).concat(args.set ?? []).map(String);
  if (to === recorded && settings.length === 0) {
    process.stdout.write(`This repository is at ${SCAFFOLDER} ${recorded} already: nothing to do.\n`);
    return;
  }
  if (!args.dryRun && !args.allowDirty) assertCleanWorkingTree(root);

  const [base, theirs] = [await releaseRenderer(recorded, root), await releaseRenderer(to, root)];
  const { lockfileOptions } = await import('./scaffolder-integrity.js');
  const releaseOf = (renderer: typeof base) => ({ version: renderer.version, packageDir: renderer.packageDir ?? PACKAGE_ROOT });
  const plan = planUpgrade(repository, {
    base,
    theirs,
    set: settings,
    baseOptions: await lockfileOptions(answers.packageManager, root, releaseOf(base)),
    theirsOptions: await lockfileOptions(answers.packageManager, root, releaseOf(theirs)),
  });
  for (const migration of plan.migrations) process.stdout.write(`${pc.cyan('MIGRATE')}  ${migration.version}: ${migration.description}\n`);
  const written = await writePlan(root, plan.files, {
    dryRun: Boolean(args.dryRun),
    install: Boolean(args.install),
    packageManager: answers.packageManager,
    conflictExitCode: 2,
    conflictHint: 'git status lists them as unmerged; `git add` each once resolved, then commit. See docs/upgrading.md of create-startup-backend.',
    afterWrite: (conflicts) => recordConflictsInIndex(root, conflicts),
  });
  const change = to === recorded ? `re-rendered at ${to} with ${settings.join(' ')}` : `upgraded from ${recorded} to ${to}`;
  if (written) process.stdout.write(`\n${pc.green('✔')} ${change[0]!.toUpperCase()}${change.slice(1)}. Review with git diff, then commit.\n`);
}

/** `--check`: exit 1 when the repository is behind the newest release the registry knows (offline: this one). */
async function checkCommand(recorded: string): Promise<void> {
  const published = await latestInRegistry();
  const newest = published !== undefined && compareVersions(published, TEMPLATE_VERSION) > 0 ? published : TEMPLATE_VERSION;
  const against = published === undefined ? ` (the registry could not be asked: compared with this copy, ${TEMPLATE_VERSION})` : '';
  if (compareVersions(recorded, newest) < 0) {
    process.stdout.write(`This repository is at ${SCAFFOLDER} ${recorded}; ${newest} is out${against}: run npx --package ${SCAFFOLDER}@${newest} startup-backend upgrade\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(`This repository is at ${SCAFFOLDER} ${recorded}, the newest release${against}.\n`);
}

async function latestInRegistry(): Promise<string | undefined> {
  try {
    const response = await fetchScaffolderMetadata('', 'application/vnd.npm.install-v1+json').response;
    if (!response.ok) return undefined;
    const latest = ((await response.json()) as { 'dist-tags'?: { latest?: string } })['dist-tags']?.latest;
    return latest && VERSION.test(latest) ? latest : undefined;
  } catch {
    return undefined;
  }
}
