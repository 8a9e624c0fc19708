import { readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { UserInputError } from '../generators/shared/choices.js';
import type { PackageManager } from '../generators/shared/package-managers.js';
import { PACKAGE_ROOT, TEMPLATE_VERSION } from '../generators/shared/paths.js';
import { SCAFFOLDER, recordedScaffolderIntegrity } from '../generators/lockfile/scaffolder-package.js';

const LOCKFILES: Array<[string, 'npm' | 'pnpm']> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['package-lock.json', 'npm'],
  ['node_modules/.package-lock.json', 'npm'],
];

const REGISTRY_TIMEOUT_MS = 15_000;

/** What the lockfile generator needs beyond the answers: for a pnpm repo, this release's integrity. */
export async function lockfileOptions(packageManager: PackageManager, repoRoot?: string): Promise<{ scaffolderIntegrity?: string }> {
  return packageManager === 'pnpm' ? { scaffolderIntegrity: await scaffolderIntegrity(repoRoot) } : {};
}

/**
 * The integrity of this release's published tarball, for a pnpm repo's lockfile. Asked, in order, of:
 * the repo's own lockfile (`add service`: the render must match what the repo recorded), the lockfile of
 * the folder this copy was installed into (npx, `pnpm dlx`, the repo's node_modules), the registry.
 */
async function scaffolderIntegrity(repoRoot?: string): Promise<string> {
  const folders = repoRoot ? [repoRoot] : [];
  for (let dir = path.dirname(realpathSync(PACKAGE_ROOT)); ; dir = path.dirname(dir)) {
    folders.push(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const folder of folders) {
    for (const [file, format] of LOCKFILES) {
      const text = readIfPresent(path.join(folder, file));
      const integrity = text && recordedScaffolderIntegrity(text, format, TEMPLATE_VERSION);
      if (integrity) return integrity;
    }
  }
  const registry = (process.env.npm_config_registry ?? 'https://registry.npmjs.org/').replace(/\/?$/, '/');
  const url = `${registry}${SCAFFOLDER}/${TEMPLATE_VERSION}`;
  let reason: string;
  try {
    const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(REGISTRY_TIMEOUT_MS) });
    const integrity = response.ok ? ((await response.json()) as { dist?: { integrity?: string } }).dist?.integrity : undefined;
    if (integrity) return integrity;
    reason = response.ok ? 'no dist.integrity' : `HTTP ${response.status}`;
  } catch (error) {
    reason = (error as Error).message;
  }
  throw new UserInputError(
    `pnpm-lock.yaml needs the integrity of ${SCAFFOLDER}@${TEMPLATE_VERSION}, found in no lockfile beside this copy and not at ${url} (${reason}): run it from the registry (npx, npm create, pnpm dlx), or use npm.`,
  );
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
