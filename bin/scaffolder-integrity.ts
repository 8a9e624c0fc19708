import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { UserInputError } from '../generators/shared/choices.js';
import type { PackageManager } from '../generators/shared/package-managers.js';
import { PACKAGE_ROOT, TEMPLATE_VERSION } from '../generators/shared/paths.js';
import { SCAFFOLDER, recordedScaffolderIntegrity } from '../generators/lockfile/scaffolder-package.js';
import { fetchScaffolderMetadata } from './registry.js';

const LOCKFILES: Array<[string, 'npm' | 'pnpm']> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['package-lock.json', 'npm'],
  ['node_modules/.package-lock.json', 'npm'],
];

/** The release whose render needs the integrity: this copy, or another release's package (upgrade's base). */
export interface Release {
  version: string;
  packageDir: string;
}

const THIS_RELEASE: Release = { version: TEMPLATE_VERSION, packageDir: PACKAGE_ROOT };

/** What the lockfile generator needs beyond the answers: for a pnpm repo, the release's integrity. */
export async function lockfileOptions(
  packageManager: PackageManager,
  repoRoot?: string,
  release: Release = THIS_RELEASE,
): Promise<{ scaffolderIntegrity?: string }> {
  return packageManager === 'pnpm' ? { scaffolderIntegrity: await scaffolderIntegrity(release, repoRoot) } : {};
}

/**
 * The integrity of a release's published tarball, for a pnpm repo's lockfile. Asked, in order, of:
 * the repo's own lockfile (`add service`: the render must match what the repo recorded), the lockfile of
 * the folder the release was installed into (npx, `pnpm dlx`, the repo's node_modules, upgrade's cache),
 * the registry.
 */
async function scaffolderIntegrity({ version, packageDir }: Release, repoRoot?: string): Promise<string> {
  const folders = repoRoot ? [repoRoot] : [];
  for (let dir = path.dirname(realpathSync(packageDir)); ; dir = path.dirname(dir)) {
    folders.push(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const folder of folders) {
    for (const [file, format] of LOCKFILES) {
      const text = readIfPresent(path.join(folder, file));
      const integrity = text && recordedScaffolderIntegrity(text, format, version);
      if (integrity) return integrity;
    }
  }
  const { url, response: request } = fetchScaffolderMetadata(version);
  let reason: string;
  try {
    const response = await request;
    const integrity = response.ok ? ((await response.json()) as { dist?: { integrity?: string } }).dist?.integrity : undefined;
    if (integrity) return integrity;
    reason = response.ok ? 'no dist.integrity' : `HTTP ${response.status}`;
  } catch (error) {
    reason = (error as Error).message;
  }
  throw new UserInputError(
    `pnpm-lock.yaml needs the integrity of ${SCAFFOLDER}@${version}, found in no lockfile beside this copy and not at ${url} (${reason}): run it from the registry (npx, npm create, pnpm dlx), or use npm.`,
  );
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
