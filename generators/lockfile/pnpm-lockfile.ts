import { UserInputError } from '../shared/choices.js';
import { sha256Hex } from '../shared/lazy-crypto.js';
import type { Importer, PackageManifest } from './npm-lockfile.js';
import { SCAFFOLDER, scaffolderDependencies, scaffolderManifest } from './scaffolder-package.js';

/**
 * pnpm's lockfile names no package of the repo, only importer folders, and the services of one RPC
 * framework have the same dependencies: so one pnpm-lock.yaml per set of dependency sets, made by pnpm
 * for a repo with one service of each set (`services/api`, …) and shipped in templates/lockfiles/pnpm/,
 * serves any number of services, each service getting the importer block of its own dependency set.
 */
export const CANONICAL_SERVICE = 'api';

const dependencyFields = (manifest: PackageManifest) => ({
  dependencies: manifest.dependencies ?? {},
  devDependencies: manifest.devDependencies ?? {},
  optionalDependencies: manifest.optionalDependencies ?? {},
});

type DependencyFields = ReturnType<typeof dependencyFields>;

/**
 * The root manifest the shipped lockfile is imported for: the scaffolder's own dependencies in place of
 * the scaffolder (not published yet when the lockfiles are made), so the lockfile pins them.
 */
export function pnpmImportManifest(root: PackageManifest): PackageManifest {
  const { [SCAFFOLDER]: scaffolder, ...devDependencies } = root.devDependencies ?? {};
  if (scaffolder === undefined) return root;
  const own = scaffolderDependencies();
  const overlap = Object.keys(own).filter((name) => name in devDependencies || name in (root.dependencies ?? {}));
  if (overlap.length > 0) throw new Error(`pnpm lockfile: the root depends on ${overlap.join(', ')}, which ${SCAFFOLDER} depends on too`);
  return { ...root, devDependencies: { ...devDependencies, ...own } };
}

/**
 * Names the shipped lockfile of a root and its service manifests: the same dependency sets, the same file.
 * (A repo of one set keeps the key it had before services of two frameworks could share a repo.)
 */
export function pnpmLockfileKey(root: PackageManifest, services: readonly PackageManifest[]): string {
  const rootFields = dependencyFields(pnpmImportManifest(root));
  const fieldsOf = services.map(dependencyFields);
  const sets = [...new Map(fieldsOf.map((fields) => [sortedSignature(fields), fields])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([, fields]) => fields);
  if (sets.length === 0) throw new Error('pnpmLockfileKey: needs at least one service');
  const signature = JSON.stringify(sets.length === 1 ? { root: rootFields, service: sets[0] } : { root: rootFields, services: sets });
  return sha256Hex(signature).slice(0, 16);
}

/** The dependency fields with their entries in name order: the same set whatever order a manifest lists them in. */
function sortedSignature(fields: DependencyFields): string {
  const sorted = (entries: Record<string, string>) => Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : 1)));
  return JSON.stringify({
    dependencies: sorted(fields.dependencies),
    devDependencies: sorted(fields.devDependencies),
    optionalDependencies: sorted(fields.optionalDependencies),
  });
}

/** The dependency fields an importer block of pnpm-lock.yaml declares (its `specifier:` lines). */
function importerDependencies(block: string): DependencyFields {
  const fields: DependencyFields = { dependencies: {}, devDependencies: {}, optionalDependencies: {} };
  let section: Record<string, string> | undefined;
  let name: string | undefined;
  for (const line of block.split('\n')) {
    const sectionName = /^ {4}(\w+):$/.exec(line)?.[1];
    if (sectionName !== undefined) section = fields[sectionName as keyof DependencyFields];
    const entry = /^ {6}'?([^':]+)'?:$/.exec(line)?.[1];
    if (entry !== undefined) name = entry;
    const specifier = /^ {8}specifier: '?([^']*)'?$/.exec(line)?.[1];
    if (specifier !== undefined && section && name !== undefined) section[name] = specifier;
  }
  return fields;
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
  const key = pnpmLockfileKey(root.manifest, services.map((service) => service.manifest));
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
  const isService = (block: string) => block.startsWith('  services/');
  const canonicalServices = blocks.filter(isService).map((block) => ({
    body: block.slice(block.indexOf(':\n') + 2),
    signature: sortedSignature(importerDependencies(block)),
  }));
  const others = blocks.filter((block) => !isService(block));
  const serviceBlocks = services.map(({ location, manifest }) => {
    const match = canonicalServices.find(({ signature }) => signature === sortedSignature(dependencyFields(manifest)));
    if (!match) throw new Error(`pnpm lockfile ${key} has no importer with the dependencies of ${location}`);
    return `  ${location}:\n${match.body}`;
  });
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
  const { engines } = scaffolderManifest();
  const dependencies = scaffolderDependencies();
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
  // pnpm writes a package without dependencies as `id: {}`.
  return withBlock(result, 'snapshots', id, snapshot.length > 0 ? [`  ${id}:`, '    dependencies:', ...snapshot] : [`  ${id}: {}`]);
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
