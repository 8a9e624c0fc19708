import pc from 'picocolors';
import { recordConflictsInIndex } from '../generators/engine/git-index.js';
import { releaseRenderer, type ReleaseRenderer } from '../generators/engine/releases.js';
import { assertCleanWorkingTree, findRepository, type Repository } from '../generators/engine/repository.js';
import { driftOf, planUpgrade } from '../generators/engine/upgrade.js';
import { compareVersions, isReleaseVersion } from '../generators/engine/versions.js';
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

/** `startup-backend upgrade`: the repository moved to this release (or `--to`), the team's lines kept. */
export async function upgradeCommand(argv: readonly string[]): Promise<void> {
  const args = parseStrict(argv, UPGRADE_FLAGS);
  if (args.help) return void process.stdout.write(HELP);
  if (args._.length > 0) throw new UserInputError(`upgrade takes no arguments, got ${args._.join(' ')}: pass --to <version> for another release.`);
  const repository = findRepository(process.cwd());
  const { root, answers } = repository;
  const recorded = answers.templateVersion;
  if (args.check) return checkCommand(repository);

  const given = onlyValue('to', args.to);
  const to = given ?? TEMPLATE_VERSION;
  if (!isReleaseVersion(to)) throw new UserInputError(`--to ${to} is not a version: pass one like ${TEMPLATE_VERSION}.`);
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
  const plan = planUpgrade(repository, {
    base,
    theirs,
    set: settings,
    baseOptions: await renderOptions(repository, base),
    theirsOptions: await renderOptions(repository, theirs),
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

/** What a release's render needs besides the answers (a pnpm lockfile: that release's integrity). */
async function renderOptions({ root, answers }: Repository, renderer: ReleaseRenderer) {
  const { lockfileOptions } = await import('./scaffolder-integrity.js');
  return lockfileOptions(answers.packageManager, root, { version: renderer.version, packageDir: renderer.packageDir ?? PACKAGE_ROOT });
}

/**
 * `--check`: exit 1 when the repository is behind the newest release the registry knows (offline: this
 * one); either way, list the files that differ from a fresh render of the recorded release (drift).
 */
async function checkCommand(repository: Repository): Promise<void> {
  const recorded = repository.answers.templateVersion;
  const registry = await latestInRegistry();
  const published = 'latest' in registry ? registry.latest : undefined;
  const newest = published !== undefined && compareVersions(published, TEMPLATE_VERSION) > 0 ? published : TEMPLATE_VERSION;
  const against = 'unknown' in registry ? ` (${registry.unknown}: compared with this copy, ${TEMPLATE_VERSION})` : '';
  if (compareVersions(recorded, newest) < 0) {
    process.stdout.write(`This repository is at ${SCAFFOLDER} ${recorded}; ${newest} is out${against}: run npx --package ${SCAFFOLDER}@${newest} startup-backend upgrade\n`);
    process.exitCode = 1;
  } else {
    process.stdout.write(`This repository is at ${SCAFFOLDER} ${recorded}, the newest release${against}.\n`);
  }
  await reportDrift(repository);
}

/** Drift is reported, not failed on: every edit the team makes to a generated file is drift. */
async function reportDrift(repository: Repository): Promise<void> {
  const recorded = repository.answers.templateVersion;
  let drifted;
  try {
    // A check never downloads: offline, npm's retries would hold a CI job for a minute.
    const base = await releaseRenderer(recorded, repository.root, { download: false });
    drifted = driftOf(repository, base, await renderOptions(repository, base));
  } catch (error) {
    if (!(error instanceof UserInputError)) throw error;
    process.stdout.write(`Drift not checked: ${error.message}\n`);
    return;
  }
  if (drifted.length === 0) {
    process.stdout.write(`No drift: every file ${recorded} renders for the recorded answers is as it rendered it.\n`);
    return;
  }
  const count = drifted.length === 1 ? '1 file differs' : `${drifted.length} files differ`;
  process.stdout.write(`Drift: ${count} from what ${recorded} renders for the recorded answers (an upgrade merges into them):\n`);
  for (const file of drifted) process.stdout.write(`  ${file.change.padEnd(18)} ${file.path}\n`);
}

/** The registry's `latest` release, or why there is none to compare with. */
async function latestInRegistry(): Promise<{ latest: string } | { unknown: string }> {
  const { url, response: request } = fetchScaffolderMetadata('', 'application/vnd.npm.install-v1+json');
  const registry = `the registry ${url.slice(0, -SCAFFOLDER.length)}`;
  try {
    const response = await request;
    if (response.status === 404) return { unknown: `${registry} has no ${SCAFFOLDER}` };
    if (!response.ok) return { unknown: `${registry} answered HTTP ${response.status}` };
    const latest = ((await response.json()) as { 'dist-tags'?: { latest?: string } })['dist-tags']?.latest;
    return latest && isReleaseVersion(latest) ? { latest } : { unknown: `${registry} names no latest release` };
  } catch (error) {
    return { unknown: `${registry} could not be reached (${(error as Error).message})` };
  }
}
