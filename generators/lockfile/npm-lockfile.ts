import { UserInputError } from '../shared/choices.js';

/**
 * The generated repo's package-lock.json, composed from the package pool this release ships
 * (templates/lockfiles/npm-packages.json, one `npm install` of every dependency any combination
 * uses) and the repo's own manifests. Only the packages the manifests reach are kept, and each
 * keeps the place npm gave it in the pool, so `npm ci` installs exactly the tree this project's CI
 * tested, whatever the registry serves today. Flags and key order are computed as npm's arborist
 * does (calc-dep-flags.js, shrinkwrap.js), so npm rewrites the file byte for byte.
 */

export interface PackageManifest {
  name?: string;
  version?: string;
  license?: string;
  workspaces?: string[];
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/** A pool entry: what npm records of one installed package, without the dependency flags. */
export type PoolEntry = PackageManifest & { integrity?: string; [key: string]: unknown };
export type PackagePool = Record<string, PoolEntry>;

/** `''` for the root, `services/<name>` for a workspace. */
export interface Importer {
  location: string;
  manifest: PackageManifest;
}

type EdgeType = 'prod' | 'dev' | 'optional' | 'peer' | 'peerOptional' | 'workspace';

interface LockNode {
  location: string;
  entry: Record<string, unknown>;
  /** Where `require` resolution looks next: the parent folder's owner, or the root. */
  resolveParent?: string;
  /** A workspace link points at its folder. */
  linkTarget?: string;
  /** A pool entry's nested objects are in npm's key order already (the pool is npm's own output). */
  nestedInNpmOrder: boolean;
  dev: boolean;
  optional: boolean;
  devOptional: boolean;
  peer: boolean;
}

const FLAGS = ['dev', 'optional', 'devOptional', 'peer'] as const;
// npm's pkgMetaKeys: the manifest fields a lockfile entry of the root or a workspace carries.
const ENTRY_FIELDS = [
  'version', 'dependencies', 'peerDependencies', 'peerDependenciesMeta', 'optionalDependencies',
  'funding', 'engines', 'os', 'cpu', 'libc', 'license', 'bin', 'workspaces',
] as const;
// Package scripts that make npm record `hasInstallScript`.
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

export function composeNpmLockfile(importers: readonly Importer[], pool: PackagePool): string {
  const root = importers.find((importer) => importer.location === '');
  if (!root) throw new Error('composeNpmLockfile: the root manifest is missing');
  const nodes = new Map<string, LockNode>();
  const add = (location: string, entry: Record<string, unknown>, resolveParent?: string, linkTarget?: string, nestedInNpmOrder = false) =>
    nodes.set(location, { location, entry, resolveParent, linkTarget, nestedInNpmOrder, dev: true, optional: true, devOptional: true, peer: true });

  add('', importerEntry(root.manifest, true));
  for (const workspace of importers.filter((importer) => importer.location !== '')) {
    add(workspace.location, importerEntry(workspace.manifest, false), '');
    add(`node_modules/${workspace.manifest.name}`, { resolved: workspace.location, link: true }, '', workspace.location);
  }
  const edgesOf = (node: LockNode): Array<[string, string, EdgeType]> => {
    if (node.linkTarget) return [];
    const importer = importers.find((candidate) => candidate.location === node.location);
    const manifest = (importer?.manifest ?? node.entry) as PackageManifest;
    const edges: Array<[string, string, EdgeType]> = [];
    const push = (deps: Record<string, string> | undefined, type: EdgeType) => {
      for (const [name, spec] of Object.entries(deps ?? {})) edges.push([name, spec, type]);
    };
    push(manifest.dependencies, 'prod');
    push(manifest.optionalDependencies, 'optional');
    for (const [name, spec] of Object.entries(manifest.peerDependencies ?? {})) {
      edges.push([name, spec, manifest.peerDependenciesMeta?.[name]?.optional ? 'peerOptional' : 'peer']);
    }
    if (importer) push(manifest.devDependencies, 'dev');
    if (node.location === '') {
      for (const workspace of importers.filter((candidate) => candidate.location !== '')) {
        edges.push([workspace.manifest.name!, '*', 'workspace']);
      }
    }
    return edges;
  };

  const resolve = (from: LockNode, name: string): LockNode | undefined => {
    for (let at: string | undefined = from.location; at !== undefined; at = nodes.get(at)?.resolveParent ?? parentOf(at)) {
      const location = at === '' ? `node_modules/${name}` : `${at}/node_modules/${name}`;
      const known = nodes.get(location);
      if (known) return known;
      const pooled = pool[location];
      if (pooled) {
        add(location, { ...pooled }, undefined, undefined, true);
        return nodes.get(location);
      }
      if (at === '') return undefined;
    }
    return undefined;
  };

  // calc-dep-flags: every flag starts set and is cleared along edges that do not carry it.
  const rootNode = nodes.get('')!;
  for (const flag of FLAGS) rootNode[flag] = false;
  const queue: LockNode[] = [rootNode];
  const queued = new Set<LockNode>(queue);
  const seen = new Set<LockNode>();
  const edgesCache = new Map<LockNode, Array<[LockNode, EdgeType]>>();
  const resolvedEdges = (node: LockNode) => {
    let edges = edgesCache.get(node);
    if (!edges) {
      edges = [];
      for (const [name, spec, type] of edgesOf(node)) {
        const target = resolve(node, name);
        if (!target) {
          if (type === 'optional' || type === 'peerOptional') continue;
          throw new UserInputError(
            `The lockfile pool has no ${name}@${spec} (needed by ${node.location || 'the root'}): run \`npm run lockfile:refresh\` in create-startup-backend.`,
          );
        }
        if (importerLocation(node, importers) && type !== 'workspace' && !specMatches(target, spec)) {
          throw new UserInputError(
            `The lockfile pool has ${name}@${String(target.entry.version)}, but ${node.location || 'the root'} asks for ${spec}: run \`npm run lockfile:refresh\` in create-startup-backend.`,
          );
        }
        edges.push([target, type]);
      }
      edgesCache.set(node, edges);
    }
    return edges;
  };
  let node: LockNode | undefined;
  const enqueue = (next: LockNode) => {
    queue.push(next);
    queued.add(next);
  };
  while ((node = queue.pop())) {
    queued.delete(node);
    seen.add(node);
    if (node.linkTarget) {
      const target = nodes.get(node.linkTarget)!;
      let changed = false;
      for (const flag of FLAGS) {
        if (target[flag] && !node[flag]) {
          target[flag] = false;
          changed = true;
        }
      }
      if (changed || !seen.has(target)) enqueue(target);
      continue;
    }
    for (const [to, type] of resolvedEdges(node)) {
      const dev = type === 'dev';
      const optional = type === 'optional' || type === 'peerOptional';
      const peer = type === 'peer' || type === 'peerOptional';
      let changed = !seen.has(to) && !queued.has(to);
      if (to.dev && !node.dev && !dev) [to.dev, changed] = [false, true];
      if (to.optional && !node.optional && !optional) [to.optional, changed] = [false, true];
      if (to.devOptional && !node.devOptional && !node.dev && !node.optional && !dev && !optional) {
        [to.devOptional, changed] = [false, true];
      }
      if (to.peer && !node.peer && !peer) [to.peer, changed] = [false, true];
      if (changed) enqueue(to);
    }
  }

  const packages: Record<string, Record<string, unknown>> = {};
  const kept = [...nodes.values()].filter((candidate) => seen.has(candidate));
  for (const lockNode of kept.sort((a, b) => compareEn(a.location, b.location))) {
    const entry = { ...lockNode.entry };
    if (lockNode.location !== '' && !lockNode.linkTarget) {
      if (lockNode.peer) entry.peer = true;
      if (lockNode.dev) entry.dev = true;
      if (lockNode.optional) entry.optional = true;
      if (lockNode.devOptional && !lockNode.dev && !lockNode.optional) entry.devOptional = true;
    }
    packages[lockNode.location] = inNpmOrder(entry, !lockNode.nestedInNpmOrder);
  }
  // In npm's key order as written: the preferred keys, then `packages`, whose keys are sorted above.
  const lockfile = { name: root.manifest.name, version: root.manifest.version, lockfileVersion: 3, requires: true, packages };
  return `${JSON.stringify(lockfile, null, 2)}\n`;
}

// npm's shrinkwrap.js swKeyOrder: these keys first, in this order.
const NPM_KEY_ORDER = ['name', 'version', 'lockfileVersion', 'resolved', 'integrity', 'requires', 'packages', 'dependencies'];
const NPM_KEY_RANK = new Map(NPM_KEY_ORDER.map((key, index) => [key, index]));
// npm sorts with localeCompare(_, 'en'); one collator does the same comparisons without a lookup each time.
const compareEn = new Intl.Collator('en').compare;
const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * npm writes its lockfile with json-stringify-nice (1.1.4, ISC): in every object, the preferred
 * keys first, then the other non-object values, then the object values, each group sorted by
 * `localeCompare(_, 'en')`. `object` in that order (a dozen lines, not a 111th package for every
 * `npm create`), checked against npm's own output in test/e2e/lockfile.test.ts; its nested objects
 * too when `nested`, else as they are (a pool entry's: sorting them again was a tenth of `create`).
 */
export function inNpmOrder(object: Record<string, unknown>, nested = true): Record<string, unknown> {
  const ordered = (value: unknown): unknown =>
    !nested ? value : Array.isArray(value) ? value.map(ordered) : isObject(value) ? inNpmOrder(value) : value;
  // Each key's place computed once, not at every comparison.
  const entries = Object.entries(object).map(([key, entry]) => ({ key, entry: ordered(entry), object: isObject(entry), rank: NPM_KEY_RANK.get(key) ?? NPM_KEY_ORDER.length }));
  entries.sort((a, b) =>
    a.object !== b.object ? (a.object ? 1 : -1) : a.rank - b.rank || (a.rank < NPM_KEY_ORDER.length ? 0 : compareEn(a.key, b.key)),
  );
  return Object.fromEntries(entries.map(({ key, entry }) => [key, entry]));
}

/** The pool keeps what npm wrote of each package, less the flags that depend on who depends on it. */
export function poolFromLockfile(lockfile: { packages: Record<string, Record<string, unknown>> }): PackagePool {
  const pool: PackagePool = {};
  for (const [location, entry] of Object.entries(lockfile.packages)) {
    if (!location.startsWith('node_modules/') || entry.link) continue;
    const { dev: _dev, optional: _optional, devOptional: _devOptional, peer: _peer, ...rest } = entry;
    pool[location] = inNpmOrder(rest) as PoolEntry;
  }
  return pool;
}

function importerEntry(manifest: PackageManifest, isRoot: boolean): Record<string, unknown> {
  const entry: Record<string, unknown> = {};
  for (const field of ENTRY_FIELDS) {
    const value = manifest[field as keyof PackageManifest];
    if (value && (typeof value !== 'object' || Object.keys(value).length > 0)) entry[field] = value;
  }
  entry.name = manifest.name;
  if (manifest.devDependencies) entry.devDependencies = manifest.devDependencies;
  const scripts = (manifest as { scripts?: Record<string, string> }).scripts ?? {};
  if (INSTALL_SCRIPTS.some((script) => script in scripts)) entry.hasInstallScript = true;
  if (!isRoot && !manifest.name) throw new Error('composeNpmLockfile: a workspace manifest has no name');
  return entry;
}

function importerLocation(node: LockNode, importers: readonly Importer[]): boolean {
  return importers.some((importer) => importer.location === node.location);
}

/** The templates pin exact versions; a range (a team's own edit) is left for npm to judge. */
function specMatches(target: LockNode, spec: string): boolean {
  if (target.linkTarget) return true;
  return !/^\d+\.\d+\.\d+(?:[-+][\w.+-]*)?$/.test(spec) || target.entry.version === spec;
}

/** `node_modules/a/node_modules/@s/b` -> `node_modules/a`; `node_modules/a` -> `''`. */
function parentOf(location: string): string | undefined {
  if (location === '') return undefined;
  const index = location.lastIndexOf('/node_modules/');
  return index === -1 ? '' : location.slice(0, index);
}
