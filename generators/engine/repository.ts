import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FsTree } from 'nx/src/generators/tree.js';
import { ANSWERS_FILE, readAnswers, type ProjectAnswers } from '../shared/answers.js';
import { RPC_FRAMEWORKS, UserInputError } from '../shared/choices.js';
import type { PackageManager } from '../shared/package-managers.js';
import { compareVersions, isReleaseVersion } from './versions.js';

export interface Repository {
  root: string;
  answers: ProjectAnswers & { packageManager: PackageManager };
}

/** The generated repository around `cwd`: the nearest folder above it that holds the answers file. */
export function findRepository(cwd: string): Repository {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, ANSWERS_FILE))) {
      return { root: dir, answers: checkedAnswers(readAnswers(new FsTree(dir, false))) };
    }
    if (path.dirname(dir) === dir) {
      throw new UserInputError(
        `No ${ANSWERS_FILE} in ${path.resolve(cwd)} or above: run this inside a repository made by create-startup-backend.`,
      );
    }
  }
}

const PORT_FIELDS = ['rpcPort', 'httpPort'] as const;

/** readAnswers checks the fields' presence; the engine also needs the services and the version to be sound. */
function checkedAnswers<T extends ProjectAnswers>(answers: T): T {
  const corrupt = (what: string) => new UserInputError(`${ANSWERS_FILE} ${what}: restore it from git.`);
  if (!isReleaseVersion(answers.templateVersion)) throw corrupt(`has an unknown "templateVersion" "${answers.templateVersion}"`);
  for (const [index, service] of answers.services.entries()) {
    if (typeof service?.name !== 'string' || PORT_FIELDS.some((field) => !Number.isInteger(service[field]))) {
      throw corrupt(`has a malformed service at services[${index}]`);
    }
    if (service.rpc !== undefined && !RPC_FRAMEWORKS.includes(service.rpc)) {
      throw corrupt(`has an unknown "rpc" "${String(service.rpc)}" at services[${index}] (one of ${RPC_FRAMEWORKS.join(', ')})`);
    }
  }
  return answers;
}

/** The first release with `add service`: a repository made before it has to be upgraded first. */
const FIRST_RELEASE_WITH_ADD = '0.3.0';

/**
 * The base of the merge must be rendered by the templates that made the repo; rendering it with other
 * templates would merge against a wrong base and turn every template change into a team edit.
 */
export function assertSameTemplateVersion(recorded: string, running: string, command: string): void {
  if (recorded === running) return;
  const own = `npx --package create-startup-backend@${recorded} startup-backend ${command}`;
  if (compareVersions(recorded, running) > 0) {
    throw new UserInputError(`This repository was made by create-startup-backend ${recorded}, newer than this ${running}: run its own version, ${own}.`);
  }
  if (compareVersions(recorded, FIRST_RELEASE_WITH_ADD) < 0) {
    throw new UserInputError(
      `This repository was made by create-startup-backend ${recorded}, which has no \`add service\`, and this ${running} must not merge against other templates than the ones that made it: the repository needs an upgrade to ${running} first: npx --package create-startup-backend@${running} startup-backend upgrade.`,
    );
  }
  throw new UserInputError(
    `This repository was made by create-startup-backend ${recorded}, this is ${running}: the merge needs the templates that made it. Run ${own}, or upgrade the repository to ${running} first: npx --package create-startup-backend@${running} startup-backend upgrade.`,
  );
}

/**
 * A change is merged into committed work only: the team can then see it with `git diff` and undo it
 * with `git checkout`. Untracked files count (they could be overwritten); ignored ones (`.env`) do not.
 */
export function assertCleanWorkingTree(root: string): void {
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all', '--', '.'], { cwd: root, encoding: 'utf8' });
  if (status.error || status.status !== 0) {
    throw new UserInputError(
      `${root} is not a git repository (or git is not installed): commit the repository first (git init && git add -A && git commit -m init), or pass --allow-dirty.`,
    );
  }
  const dirty = status.stdout.split('\n').filter(Boolean);
  if (dirty.length > 0) {
    const sample = dirty.slice(0, 3).map((line) => line.slice(3)).join(', ');
    throw new UserInputError(
      `The working tree has uncommitted changes (${sample}${dirty.length > 3 ? `, and ${dirty.length - 3} more` : ''}): commit or stash them first, or pass --allow-dirty.`,
    );
  }
}

/** `services/*` folders and the workspace package names found in them, recorded or not. */
export function servicePackages(root: string): Array<{ folder: string; packageName?: string }> {
  const dir = path.join(root, 'services');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() || entry.isSymbolicLink())
    .map((entry) => {
      try {
        const manifest = JSON.parse(readFileSync(path.join(dir, entry.name, 'package.json'), 'utf8')) as { name?: unknown };
        return { folder: entry.name, packageName: typeof manifest.name === 'string' ? manifest.name : undefined };
      } catch {
        return { folder: entry.name };
      }
    });
}
