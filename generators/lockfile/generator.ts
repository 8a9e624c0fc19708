import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Tree } from '@nx/devkit';
import type { ProjectAnswers } from '../shared/answers.js';
import { templateDir } from '../shared/paths.js';
import { composeNpmLockfile, type Importer, type PackageManifest, type PackagePool } from './npm-lockfile.js';
import { composePnpmLockfile } from './pnpm-lockfile.js';
import { SCAFFOLDER, scaffolderNpmEntry } from './scaffolder-package.js';

export const NPM_POOL_FILE = templateDir('lockfiles', 'npm-packages.json');
export const PNPM_LOCKFILES_DIR = templateDir('lockfiles', 'pnpm');

export const pnpmLockfilePath = (key: string) => path.join(PNPM_LOCKFILES_DIR, `${key}.yaml`);

function shippedPnpmLockfile(key: string): string | undefined {
  const file = pnpmLockfilePath(key);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

let npmPool: PackagePool | undefined;

/** The shipped pool, and this release where a root that devDepends on it finds it. */
function loadNpmPool(): PackagePool {
  npmPool ??= {
    ...(JSON.parse(readFileSync(NPM_POOL_FILE, 'utf8')) as PackagePool),
    [`node_modules/${SCAFFOLDER}`]: scaffolderNpmEntry(),
  };
  return npmPool;
}

export interface LockfileOptions {
  /** The published tarball's integrity of this release: pnpm-lock.yaml records it (see scaffolder-package.ts). */
  scaffolderIntegrity?: string;
}

/** The root and every service manifest as the other generators rendered them. */
export function importersOf(tree: Tree, answers: Pick<ProjectAnswers, 'services'>): Importer[] {
  const read = (file: string): PackageManifest => {
    const text = tree.read(file, 'utf-8');
    if (text === null) throw new Error(`lockfile generator: ${file} was not rendered`);
    return JSON.parse(text) as PackageManifest;
  };
  return [
    { location: '', manifest: read('package.json') },
    ...answers.services.map(({ name }) => ({ location: `services/${name}`, manifest: read(`services/${name}/package.json`) })),
  ];
}

/** Runs last: the lockfile of the repo's package manager pins every package the rendered manifests reach. */
export function lockfileGenerator(
  tree: Tree,
  answers: Pick<ProjectAnswers, 'services' | 'packageManager'>,
  { scaffolderIntegrity }: LockfileOptions = {},
): void {
  const importers = importersOf(tree, answers);
  if (answers.packageManager === 'pnpm') {
    tree.write('pnpm-lock.yaml', composePnpmLockfile(importers, shippedPnpmLockfile, scaffolderIntegrity));
  }
  else tree.write('package-lock.json', composeNpmLockfile(importers, loadNpmPool()));
}
