import { createHash } from 'node:crypto';
import { UserInputError } from '../shared/choices.js';
import type { Importer, PackageManifest } from './npm-lockfile.js';
import { SCAFFOLDER, scaffolderManifest } from './scaffolder-package.js';

/**
 * pnpm's lockfile names no package of the repo, only importer folders, and every service of a
 * combination has the same dependencies: so one pnpm-lock.yaml per dependency set, made by pnpm
 * for a repo with one service (`services/api`) and shipped in templates/lockfiles/pnpm/, serves any
 * number of services, its `services/api` importer block repeated under each service's folder.
 */
export const CANONICAL_SERVICE = 'api';

const dependencyFields = (manifest: PackageManifest) => ({
  dependencies: manifest.dependencies ?? {},
  devDependencies: manifest.devDependencies ?? {},
  optionalDependencies: manifest.optionalDependencies ?? {},
});

/**
 * The root manifest the shipped lockfile is imported for: the scaffolder's own dependencies in place of
 * the scaffolder (not published yet when the lockfiles are made), so the lockfile pins them.
 */
export function pnpmImportManifest(root: PackageManifest): PackageManifest {
  const { [SCAFFOLDER]: scaffolder, ...devDependencies } = root.devDependencies ?? {};
  if (scaffolder === undefined) return root;
  const own = scaffolderManifest().dependencies;
  const overlap = Object.keys(own).filter((name) => name in devDependencies || name in (root.dependencies ?? {}));
  if (overlap.length > 0) throw new Error(`pnpm lockfile: the root depends on ${overlap.join(', ')}, which ${SCAFFOLDER} depends on too`);
  return { ...root, devDependencies: { ...devDependencies, ...own } };
}

/** Names the shipped lockfile of a root and a service manifest: the same dependencies, the same file. */
export function pnpmLockfileKey(root: PackageManifest, service: PackageManifest): string {
  const signature = JSON.stringify({ root: dependencyFields(pnpmImportManifest(root)), service: dependencyFields(service) });
  return createHash('sha256').update(signature).digest('hex').slice(0, 16);
}

/**
 * `scaffolderIntegrity`: the published tarball's, which pnpm requires of every registry package and which
 * the shipped lockfile cannot hold (see scaffolder-package.ts); needed when the root devDepends on it.
 */
export function composePnpmLockfile(
  importers: readonly Importer[],
  shipped: (key: string) => string | undefined,
  scaffolderIntegrity?: string,
): string {
  const root = importers.find((importer) => importer.location === '');
  const services = importers.filter((importer) => importer.location !== '');
  if (!root || services.length === 0) throw new Error('composePnpmLockfile: needs the root and at least one service');
  const key = pnpmLockfileKey(root.manifest, services[0]!.manifest);
  for (const service of services) {
    if (pnpmLockfileKey(root.manifest, service.manifest) !== key) {
      throw new Error(`composePnpmLockfile: ${service.location} depends on other packages than ${services[0]!.location}`);
    }
  }
  const canonical = shipped(key);
  if (canonical === undefined) {
    throw new UserInputError(
      `No shipped pnpm lockfile for these dependencies (${key}): run \`npm run lockfile:refresh\` in create-startup-backend.`,
    );
  }
  const start = canonical.indexOf('\nimporters:\n\n');
  const end = canonical.indexOf('\npackages:\n');
  if (start === -1 || end === -1) throw new Error(`pnpm lockfile ${key} has no importers or packages section`);
  const blocks = canonical.slice(start + '\nimporters:\n\n'.length, end).split('\n\n').map((block) => block.replace(/\n+$/, '')).filter(Boolean);
  const header = `  services/${CANONICAL_SERVICE}:\n`;
  const serviceBlock = blocks.find((block) => block.startsWith(header));
  if (!serviceBlock) throw new Error(`pnpm lockfile ${key} has no services/${CANONICAL_SERVICE} importer`);
  const others = blocks.filter((block) => block !== serviceBlock);
  const serviceBlocks = services.map(({ location }) => `  ${location}:\n${serviceBlock.slice(header.length)}`);
  // pnpm sorts importers by folder; `.` (the root) sorts first.
  const sorted = [...others, ...serviceBlocks].sort((a, b) => importerId(a).localeCompare(importerId(b), 'en'));
  const lockfile = `${canonical.slice(0, start)}\nimporters:\n\n${sorted.join('\n\n')}\n${canonical.slice(end)}`;
  const scaffolderSpec = root.manifest.devDependencies?.[SCAFFOLDER];
  if (scaffolderSpec === undefined) return lockfile;
  if (!scaffolderIntegrity) throw new Error(`composePnpmLockfile: the integrity of ${SCAFFOLDER}@${scaffolderSpec} is needed`);
  return withScaffolder(lockfile, scaffolderSpec, scaffolderIntegrity);
}

/**
 * Moves the scaffolder's dependencies from the root importer (where pnpmImportManifest put them) under
 * the scaffolder itself, as pnpm writes a root that devDepends on it.
 */
function withScaffolder(lockfile: string, version: string, integrity: string): string {
  const { dependencies, engines } = scaffolderManifest();
  const rootStart = lockfile.indexOf('\n  .:\n') + 1;
  const rootEnd = lockfile.indexOf('\n\n', rootStart);
  const rootLines = lockfile.slice(rootStart, rootEnd).split('\n');
  const locked = new Map<string, string>();
  const kept: string[] = [];
  let section = '';
  for (let index = 0; index < rootLines.length; index++) {
    const line = rootLines[index]!;
    if (/^ {4}\w/.test(line)) section = line.trim();
    const name = /^ {6}'?([^':]+)'?:$/.exec(line)?.[1];
    if (section === 'devDependencies:' && name !== undefined && name in dependencies) {
      // The entry's `specifier:` and `version:` lines go with it.
      locked.set(name, rootLines[index + 2]!.replace(/^ +version: /, ''));
      index += 2;
      continue;
    }
    kept.push(line);
  }
  const missing = Object.keys(dependencies).filter((name) => !locked.has(name));
  if (missing.length > 0) throw new Error(`pnpm lockfile: the shipped lockfile does not pin ${missing.join(', ')}`);
  const devStart = kept.indexOf('    devDependencies:');
  const devEnd = kept.findIndex((line, index) => index > devStart && !line.startsWith('      '));
  const entryAt = insertionIndex(kept, devStart + 1, devEnd === -1 ? kept.length : devEnd, / {6}'?([^':]+)'?:$/, SCAFFOLDER);
  kept.splice(entryAt, 0, `      ${SCAFFOLDER}:`, `        specifier: ${version}`, `        version: ${version}`);
  let result = `${lockfile.slice(0, rootStart)}${kept.join('\n')}${lockfile.slice(rootEnd)}`;
  const id = `${SCAFFOLDER}@${version}`;
  const engineList = Object.entries(engines).map(([name, range]) => `${name}: '${range}'`).join(', ');
  result = withBlock(result, 'packages', id, [`  ${id}:`, `    resolution: {integrity: ${integrity}}`, `    engines: {${engineList}}`, '    hasBin: true']);
  const snapshot = [...locked].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, locked]) => `      ${quoteKey(name)}: ${locked}`);
  return withBlock(result, 'snapshots', id, [`  ${id}:`, '    dependencies:', ...snapshot]);
}

/** Inserts a block into a top-level section of blocks separated by blank lines, where pnpm sorts it. */
function withBlock(lockfile: string, section: string, id: string, block: string[]): string {
  const start = lockfile.indexOf(`\n${section}:\n\n`) + section.length + 4;
  const nextSection = lockfile.slice(start).search(/\n[a-z]/);
  const end = nextSection === -1 ? lockfile.length : start + nextSection + 1;
  const text = lockfile.slice(start, end);
  const trailing = /\n+$/.exec(text)?.[0] ?? '';
  const blocks = text.slice(0, text.length - trailing.length).split('\n\n');
  const at = insertionIndex(blocks, 0, blocks.length, /^ {2}'?([^:']+)'?:/, id);
  blocks.splice(at, 0, block.join('\n'));
  return `${lockfile.slice(0, start)}${blocks.join('\n\n')}${trailing}${lockfile.slice(end)}`;
}

/** pnpm sorts keys by code unit (`@a-b` before `@a/b`). */
function insertionIndex(lines: readonly string[], from: number, to: number, key: RegExp, id: string): number {
  for (let index = from; index < to; index++) {
    const name = key.exec(lines[index]!)?.[1];
    if (name !== undefined && name > id) return index;
  }
  return to;
}

const quoteKey = (name: string) => (name.startsWith('@') ? `'${name}'` : name);

function importerId(block: string): string {
  return block.slice(2, block.indexOf(':\n'));
}
