import { readFileSync } from 'node:fs';
import type { Tree } from '@nx/devkit';
import type { ProjectAnswers } from '../shared/answers.js';
import { templateDir } from '../shared/paths.js';
import { composeNpmLockfile, type Importer, type PackageManifest, type PackagePool } from './npm-lockfile.js';

export const NPM_POOL_FILE = templateDir('lockfiles', 'npm-packages.json');

let npmPool: PackagePool | undefined;

function loadNpmPool(): PackagePool {
  npmPool ??= JSON.parse(readFileSync(NPM_POOL_FILE, 'utf8')) as PackagePool;
  return npmPool;
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

/** Runs last: the lockfile pins every package the rendered manifests reach. */
export function lockfileGenerator(tree: Tree, answers: Pick<ProjectAnswers, 'services'>): void {
  tree.write('package-lock.json', composeNpmLockfile(importersOf(tree, answers), loadNpmPool()));
}
